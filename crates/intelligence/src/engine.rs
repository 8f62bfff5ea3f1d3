//! The one analyzer of the process, built on first use, and the way to run it: on a blocking
//! thread that spreads the batch over every core (rayon), never on the async executor.

use std::sync::{Arc, OnceLock};

use analysis::{Analysis, Analyzer};
use platform::{Error, Result};

static ANALYZER: OnceLock<Arc<Analyzer>> = OnceLock::new();

async fn analyzer() -> Result<Arc<Analyzer>> {
    if let Some(a) = ANALYZER.get() {
        return Ok(a.clone());
    }
    let built = tokio::task::spawn_blocking(Analyzer::new)
        .await
        .map_err(Error::internal)?;
    Ok(ANALYZER.get_or_init(|| Arc::new(built)).clone())
}

/// The analyses of `texts`, in order.
pub async fn analyze(texts: Vec<String>) -> Result<Vec<Analysis>> {
    let analyzer = analyzer().await?;
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        analyzer.analyze_batch(&refs)
    })
    .await
    .map_err(Error::internal)
}

/// SHA-256 of a text, hex: what a stored result was computed from.
pub fn text_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(text.as_bytes())[..16])
}
