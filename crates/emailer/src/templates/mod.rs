//! Mail templates editable without a rebuild. The compiled-in templates are the default; when
//! `EMAIL_TEMPLATE_BUCKET` is set, each template found under `EMAIL_TEMPLATE_PREFIX` in that
//! bucket replaces its compiled-in namesake at init, but only after it parsed and rendered every
//! committed sample message (a state change, each notice kind, a digest). A template that fails
//! is refused with a structured log line and the `TemplateOverridesRefused` metric, and the
//! compiled-in one is used: a bad edit can never stop mail.

use std::future::Future;

use ore_lambda::RecordError;

use crate::render::{Refused, Renderer, TEMPLATES};

mod s3;
pub use s3::S3Templates;

/// A template larger than this is refused (the compiled-in ones are a few KiB).
pub const MAX_TEMPLATE_BYTES: usize = 256 * 1024;

/// Where the templates come from: the read-only port the S3 client implements.
pub trait TemplateSource {
    /// The template `name`, or `None` when the source has none by that name.
    fn template(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, RecordError>> + Send;
}

/// The renderer to use: the compiled-in templates with each good replacement from `source`,
/// what was refused, and the names replaced. Fails only when the compiled-in templates cannot
/// be set up (a broken build), never because of what the source holds.
pub async fn load<S: TemplateSource>(
    source: &S,
) -> Result<(Renderer, Vec<Refused>, Vec<String>), minijinja::Error> {
    let mut candidates = Vec::new();
    let mut refused = Vec::new();
    for (name, _) in TEMPLATES {
        match source.template(name).await {
            Ok(None) => {}
            Ok(Some(bytes)) if bytes.len() > MAX_TEMPLATE_BYTES => refused.push(Refused {
                template: name.to_owned(),
                reason: format!("{} bytes, more than {MAX_TEMPLATE_BYTES}", bytes.len()),
            }),
            Ok(Some(bytes)) => match String::from_utf8(bytes) {
                Ok(text) => candidates.push((name.to_owned(), text)),
                Err(_) => refused.push(Refused {
                    template: name.to_owned(),
                    reason: "not UTF-8 text".into(),
                }),
            },
            Err(error) => refused.push(Refused {
                template: name.to_owned(),
                reason: format!("unreadable: {}", ore_lambda::error::Chain(&error)),
            }),
        }
    }
    let (renderer, mut checked) = Renderer::with_overrides(candidates)?;
    refused.append(&mut checked);
    let applied = renderer.overridden();
    Ok((renderer, refused, applied))
}

/// One log line per refused template and one per applied set, and the metric that alarms.
pub fn report(function_name: &str, refused: &[Refused], applied: &[String], now_ms: i64) {
    for refusal in refused {
        tracing::error!(
            template = %refusal.template,
            reason = %refusal.reason,
            "template_refused: the replacement template is not used; the compiled-in one is"
        );
    }
    if !applied.is_empty() {
        tracing::info!(templates = ?applied, "replacement templates in use");
    }
    ore_lambda::metrics::emit(&[ore_lambda::metrics::count_document(
        function_name,
        "TemplateOverridesRefused",
        refused.len(),
        now_ms,
    )]);
}
