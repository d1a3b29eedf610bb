//! The template source on AWS: objects under a prefix of an S3 bucket, read with the SDK's S3
//! client (its signing, endpoint rules, retries and error parsing), on the SDK configuration
//! every other client of the function shares.

use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::get_object::GetObjectError;
use ore_lambda::aws_error::record_error;
use ore_lambda::RecordError;

use super::{TemplateSource, MAX_TEMPLATE_BYTES};

/// The call, as IAM names it (log lines, errors).
const OPERATION: &str = "s3:GetObject";

/// Templates at `s3://bucket/prefix<name>` (`s3:GetObject` on `prefix*`, and `s3:ListBucket`
/// limited to the prefix, so a missing template is a 404, not a 403).
#[derive(Debug, Clone)]
pub struct S3Templates {
    client: aws_sdk_s3::Client,
    bucket: String,
    prefix: String,
}

impl S3Templates {
    /// A source on `sdk`'s region, credentials and HTTPS client. Where an endpoint of one's own
    /// is configured (`AWS_ENDPOINT_URL` or `AWS_ENDPOINT_URL_S3`: an emulator in local runs),
    /// the bucket goes in the path, since such a host has no per-bucket names; on AWS the SDK
    /// chooses, virtual-hosted as S3 recommends.
    pub fn new(sdk: &aws_config::SdkConfig, bucket: String, prefix: String) -> Self {
        let own_endpoint = sdk.endpoint_url().is_some()
            || std::env::var("AWS_ENDPOINT_URL_S3").is_ok_and(|url| !url.trim().is_empty());
        let config = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(own_endpoint)
            .build();
        S3Templates {
            client: aws_sdk_s3::Client::from_conf(config),
            bucket,
            prefix,
        }
    }
}

impl TemplateSource for S3Templates {
    async fn template(&self, name: &str) -> Result<Option<Vec<u8>>, RecordError> {
        let key = format!("{}{name}", self.prefix);
        let object = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(object) => object,
            Err(SdkError::ServiceError(context))
                if matches!(context.err(), GetObjectError::NoSuchKey(_)) =>
            {
                return Ok(None)
            }
            Err(error) => return Err(record_error(OPERATION, error)),
        };
        // Refused before the body is read: a template this large is never used.
        if let Some(length) = object
            .content_length()
            .filter(|n| *n > MAX_TEMPLATE_BYTES as i64)
        {
            return Err(RecordError::local(
                "read the template",
                format!("{length} bytes, more than {MAX_TEMPLATE_BYTES}"),
            ));
        }
        let body = object.body.collect().await.map_err(|error| {
            RecordError::Transient(ore_lambda::error::AwsFailure::new(OPERATION, error))
        })?;
        Ok(Some(body.into_bytes().to_vec()))
    }
}
