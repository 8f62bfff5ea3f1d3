//! `growthdeck user create`: make an account without the web UI (password read from stdin).

use std::io::Read;

use clap::Subcommand;
use identity::service::accounts::{self, SignupInput};
use platform::{Config, Error, Origin};

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a verified user with a new workspace; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Name of the user's first workspace.
        #[arg(long, default_value = "My workspace")]
        workspace: String,
    },
}

pub async fn run(config: Config, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create {
            email,
            name,
            workspace,
        } => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\n', '\r']).to_string();
            let state = growthdeck::build_state(config).await?;
            let origin = Origin {
                request_id: "cli".into(),
                ip: None,
                user_agent: Some("growthdeck user create".into()),
            };
            match accounts::signup(
                &state,
                &origin,
                SignupInput {
                    email,
                    password,
                    name,
                    workspace,
                },
                true,
            )
            .await
            {
                Ok(out) => {
                    println!(
                        "created user {} ({}) with workspace {} ({})",
                        out.user.email, out.user.id, out.workspace.name, out.workspace.slug
                    );
                    Ok(())
                }
                Err(Error::Validation(errors)) => {
                    for e in errors {
                        eprintln!("{}: {}", e.field, e.message);
                    }
                    anyhow::bail!("user not created")
                }
                Err(e) => anyhow::bail!("user not created: {e}"),
            }
        }
    }
}
