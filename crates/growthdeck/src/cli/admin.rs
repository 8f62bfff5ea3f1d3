//! `growthdeck admin create --email … --role …`: staff accounts come only from here (no default
//! credentials). The password is read from standard input; the TOTP enrolment is printed so
//! the first sign-in can already give a code.

use std::io::Read;

use clap::Subcommand;
use platform::staff::StaffRole;
use platform::{Config, Error};

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create a staff member (password from standard input).
    Create {
        #[arg(long)]
        email: String,
        /// super_admin, support or finance
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "")]
        name: String,
    },
}

pub async fn run(config: Config, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::Create { email, role, name } => {
            let Some(role) = StaffRole::parse(&role) else {
                anyhow::bail!("--role must be super_admin, support or finance");
            };
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\n', '\r']).to_string();
            let state = growthdeck::build_state(config).await?;
            match admin::service::create(&state, &email, &name, role, &password).await {
                Ok(created) => {
                    println!(
                        "created staff member {} ({}) as {}",
                        created.staff.email,
                        created.staff.id,
                        role.as_str()
                    );
                    println!();
                    println!(
                        "Add this account to an authenticator app (TOTP is required to sign in):"
                    );
                    println!("  {}", created.otpauth_uri);
                    println!("  manual key: {}", created.secret);
                    println!();
                    println!("{}", terminal_qr(&created.otpauth_uri));
                    Ok(())
                }
                Err(Error::Validation(errors)) => {
                    for e in errors {
                        eprintln!("{}: {}", e.field, e.message);
                    }
                    anyhow::bail!("staff member not created")
                }
                Err(e) => anyhow::bail!("staff member not created: {e}"),
            }
        }
    }
}

/// The QR code drawn with Unicode half blocks (two modules per character row).
fn terminal_qr(data: &str) -> String {
    match qrcode::QrCode::new(data.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .build(),
        Err(e) => format!("(QR code unavailable: {e})"),
    }
}
