//! Reading one S3 object: a `GetObject` signed with AWS's own Signature Version 4 signer
//! (`aws-sigv4`, the crate every SDK client signs with) and sent on the functions' HTTPS
//! connector. Not `aws-sdk-s3`: the emailer reads a few small templates once per cold start, and
//! that crate alone took as long to build as the rest of the emailer, once per architecture
//! (README, "Benchmarks"); its response checksums also put 1.25 MB of SIMD code in the x86_64 zip.
//! Retries are the SDK's standard ones in miniature: three attempts, backing off, for throttling,
//! 5xx answers and connection failures; never for a refusal.

use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::http::{HttpConnector, SharedHttpConnector};
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use ore_lambda::error::AwsFailure;
use ore_lambda::sdk_config::{https_connector, SdkSettings};
use ore_lambda::RecordError;

/// The call, as IAM names it (log lines, errors).
const OPERATION: &str = "s3:GetObject";

/// Attempts per read, as the SDK's standard retry mode.
pub const ATTEMPTS: u32 = 3;

/// Reads objects from S3 with the function's credentials, region and endpoint.
#[derive(Debug, Clone)]
pub struct S3Reader {
    connector: SharedHttpConnector,
    credentials: Option<SharedCredentialsProvider>,
    region: String,
    endpoint: Option<String>,
    backoff: Duration,
}

impl S3Reader {
    /// A reader with the SDK configuration's credentials and region, on the HTTPS connector the
    /// SDK clients use. The endpoint is `AWS_ENDPOINT_URL_S3` or the configuration's (an emulator
    /// in local runs), as the S3 SDK would choose it; on AWS, the regional S3 endpoint.
    pub fn new(sdk: &SdkConfig, settings: &SdkSettings) -> Self {
        let endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
            .ok()
            .filter(|url| !url.trim().is_empty())
            .or_else(|| sdk.endpoint_url().map(str::to_owned));
        let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
        S3Reader::with_connector(
            https_connector(settings, sdk),
            sdk.credentials_provider(),
            region,
            endpoint,
        )
    }

    /// A reader on `connector` (tests give it a scripted one).
    pub fn with_connector(
        connector: SharedHttpConnector,
        credentials: Option<SharedCredentialsProvider>,
        region: String,
        endpoint: Option<String>,
    ) -> Self {
        S3Reader {
            connector,
            credentials,
            region,
            endpoint,
            backoff: Duration::from_millis(100),
        }
    }

    /// The object's bytes, `None` when the bucket has no such key (`NoSuchKey`; a missing bucket
    /// or a refusal is an error). An object larger than `max_bytes` (its `Content-Length`) is
    /// not downloaded.
    pub async fn get(
        &self,
        bucket: &str,
        key: &str,
        max_bytes: usize,
    ) -> Result<Option<Vec<u8>>, RecordError> {
        let mut attempt = 1;
        loop {
            match self.attempt(bucket, key, max_bytes).await {
                Err(error) if error.is_retryable() && attempt < ATTEMPTS => {
                    tracing::warn!(
                        operation = OPERATION,
                        attempt,
                        error = %ore_lambda::error::Chain(&error),
                        "retrying"
                    );
                    tokio::time::sleep(self.backoff * 2u32.pow(attempt - 1)).await;
                    attempt += 1;
                }
                answer => return answer,
            }
        }
    }

    /// The request's URL and `Host`: the bucket in the host name on AWS (virtual-hosted style,
    /// what S3 recommends), in the path for a bucket name with dots (a host name the wildcard
    /// certificate cannot cover) and for an endpoint of one's own (an emulator).
    pub fn location(&self, bucket: &str, key: &str) -> (String, String) {
        let key = encode_key(key);
        match &self.endpoint {
            Some(endpoint) => {
                let endpoint = endpoint.trim_end_matches('/');
                let host = endpoint
                    .split_once("://")
                    .map_or(endpoint, |(_, rest)| rest)
                    .split('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                (format!("{endpoint}/{bucket}/{key}"), host)
            }
            None => {
                // The China regions are the one partition whose endpoints are not under
                // amazonaws.com (GovCloud's are).
                let suffix = if self.region.starts_with("cn-") {
                    "amazonaws.com.cn"
                } else {
                    "amazonaws.com"
                };
                let regional = format!("s3.{}.{suffix}", self.region);
                if bucket.contains('.') {
                    (format!("https://{regional}/{bucket}/{key}"), regional)
                } else {
                    let host = format!("{bucket}.{regional}");
                    (format!("https://{host}/{key}"), host)
                }
            }
        }
    }

    async fn attempt(
        &self,
        bucket: &str,
        key: &str,
        max_bytes: usize,
    ) -> Result<Option<Vec<u8>>, RecordError> {
        let request = self.signed_request(bucket, key).await?;
        let response = self
            .connector
            .call(request)
            .await
            .map_err(|e| RecordError::Transient(AwsFailure::new(OPERATION, e)))?;
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get("x-amz-request-id")
            .map(str::to_owned);
        let length = response
            .headers()
            .get("content-length")
            .and_then(|value| value.parse::<u64>().ok());
        if (200..300).contains(&status) && length.is_some_and(|n| n > max_bytes as u64) {
            return Err(RecordError::local(
                "read the object",
                format!(
                    "{} bytes, more than {max_bytes}",
                    length.unwrap_or_default()
                ),
            ));
        }
        let body = read_body(response).await?;
        if (200..300).contains(&status) {
            return Ok(Some(body));
        }
        let text = String::from_utf8_lossy(&body);
        let code = xml_element(&text, "Code");
        if status == 404 && code.as_deref() == Some("NoSuchKey") {
            return Ok(None);
        }
        let message = xml_element(&text, "Message").unwrap_or_else(|| format!("HTTP {status}"));
        let mut failure = AwsFailure::new(OPERATION, message);
        if let Some(code) = &code {
            failure = failure.with_code(code);
        }
        if let Some(request_id) = request_id {
            failure = failure.with_request_id(request_id);
        }
        Err(classify(status, code.as_deref(), failure))
    }

    async fn signed_request(&self, bucket: &str, key: &str) -> Result<HttpRequest, RecordError> {
        let provider = self.credentials.as_ref().ok_or_else(|| {
            RecordError::Rejected(AwsFailure::new(OPERATION, "no AWS credentials configured"))
        })?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|e| RecordError::Transient(AwsFailure::new(OPERATION, e)))?;
        let identity = Identity::from(credentials);
        let (url, host) = self.location(bucket, key);
        let mut settings = SigningSettings::default();
        // S3's rules: the path is signed as sent (no second encoding, no normalization), and
        // the payload's hash travels in `x-amz-content-sha256`.
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| RecordError::local("sign the S3 request", e))?
            .into();
        let signable = SignableRequest::new(
            "GET",
            url.as_str(),
            [("host", host.as_str())].into_iter(),
            SignableBody::Bytes(&[]),
        )
        .map_err(|e| RecordError::local("sign the S3 request", e))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| RecordError::local("sign the S3 request", e))?
            .into_parts();
        let mut request = HttpRequest::new(SdkBody::empty());
        request
            .set_uri(url.as_str())
            .map_err(|e| RecordError::local("build the S3 request", e))?;
        let headers = request.headers_mut();
        headers
            .try_insert("host", host)
            .map_err(|e| RecordError::local("build the S3 request", e))?;
        for (name, value) in instructions.headers() {
            headers
                .try_insert(name.to_owned(), value.to_owned())
                .map_err(|e| RecordError::local("build the S3 request", e))?;
        }
        Ok(request)
    }
}

async fn read_body(response: HttpResponse) -> Result<Vec<u8>, RecordError> {
    ByteStream::new(response.into_body())
        .collect()
        .await
        .map(|bytes| bytes.into_bytes().to_vec())
        .map_err(|e| RecordError::Transient(AwsFailure::new(OPERATION, e)))
}

/// As the SDK classifies an answer: throttling and 5xx (and S3's `RequestTimeout`) may pass on
/// another attempt; anything else is a refusal an operator has to fix.
fn classify(status: u16, code: Option<&str>, failure: AwsFailure) -> RecordError {
    match code {
        Some("SlowDown" | "Throttling" | "ThrottlingException" | "RequestLimitExceeded") => {
            RecordError::Throttled(failure)
        }
        Some("RequestTimeout" | "InternalError") => RecordError::Transient(failure),
        _ if status >= 500 => RecordError::Transient(failure),
        _ => RecordError::Rejected(failure),
    }
}

/// The text of `<name>` in S3's error document.
fn xml_element(document: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = document.find(&open)? + open.len();
    let end = document[start..].find(&format!("</{name}>"))? + start;
    Some(document[start..end].trim().to_owned())
}

/// An object key as a URI path: every byte but the unreserved characters and `/` encoded, as
/// S3's Signature Version 4 canonical request wants it.
fn encode_key(key: &str) -> String {
    let mut encoded = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    use aws_credential_types::Credentials;
    use aws_smithy_runtime_api::client::http::HttpConnectorFuture;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;

    use super::*;

    /// A status and body, or a connection failure.
    type Answer = Result<(u16, String), &'static str>;
    /// A request's URL and headers.
    type Seen = (String, Vec<(String, String)>);

    /// Plays S3: answers in order, and keeps each request's URL and headers.
    #[derive(Debug, Clone, Default)]
    struct ScriptedS3 {
        answers: Arc<Mutex<VecDeque<Answer>>>,
        requests: Arc<Mutex<Vec<Seen>>>,
    }

    impl ScriptedS3 {
        fn answering(answers: Vec<Result<(u16, &str), &'static str>>) -> Self {
            let script = ScriptedS3::default();
            *script.answers.lock().unwrap() = answers
                .into_iter()
                .map(|a| a.map(|(status, body)| (status, body.to_owned())))
                .collect();
            script
        }

        fn requests(&self) -> Vec<Seen> {
            self.requests.lock().unwrap().clone()
        }
    }

    impl HttpConnector for ScriptedS3 {
        fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
            let headers = request
                .headers()
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            self.requests
                .lock()
                .unwrap()
                .push((request.uri().to_owned(), headers));
            let answer = self.answers.lock().unwrap().pop_front();
            HttpConnectorFuture::ready(match answer {
                Some(Ok((status, body))) => {
                    let mut response = HttpResponse::new(
                        StatusCode::try_from(status).unwrap(),
                        SdkBody::from(body.clone()),
                    );
                    response
                        .headers_mut()
                        .insert("content-length", body.len().to_string());
                    response.headers_mut().insert("x-amz-request-id", "REQ123");
                    Ok(response)
                }
                Some(Err(reason)) => Err(ConnectorError::io(reason.into())),
                None => Err(ConnectorError::other("no answer scripted".into(), None)),
            })
        }
    }

    fn reader(script: &ScriptedS3, endpoint: Option<&str>, region: &str) -> S3Reader {
        let credentials =
            Credentials::new("AKIDEXAMPLE", "secret", Some("token".into()), None, "t");
        let mut reader = S3Reader::with_connector(
            SharedHttpConnector::new(script.clone()),
            Some(SharedCredentialsProvider::new(credentials)),
            region.into(),
            endpoint.map(str::to_owned),
        );
        reader.backoff = Duration::from_millis(1);
        reader
    }

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn error_document(code: &str) -> String {
        format!("<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>{code} said S3</Message></Error>")
    }

    #[test]
    fn the_bucket_goes_in_the_host_on_aws_and_in_the_path_elsewhere() {
        let script = ScriptedS3::default();
        let aws = reader(&script, None, "eu-west-1");
        assert_eq!(
            aws.location("ore-mail", "ore-templates/email.html"),
            (
                "https://ore-mail.s3.eu-west-1.amazonaws.com/ore-templates/email.html".into(),
                "ore-mail.s3.eu-west-1.amazonaws.com".into()
            )
        );
        assert_eq!(
            aws.location("ore.mail", "t/x.txt").0,
            "https://s3.eu-west-1.amazonaws.com/ore.mail/t/x.txt"
        );
        assert_eq!(
            reader(&script, None, "cn-north-1").location("b", "k").1,
            "b.s3.cn-north-1.amazonaws.com.cn"
        );
        let local = reader(&script, Some("http://127.0.0.1:5000/"), "eu-west-1");
        assert_eq!(
            local.location("b", "mail templates/ä+.txt"),
            (
                "http://127.0.0.1:5000/b/mail%20templates/%C3%A4%2B.txt".into(),
                "127.0.0.1:5000".into()
            )
        );
    }

    #[tokio::test]
    async fn the_request_carries_a_sigv4_signature_for_s3_in_the_region() {
        let script = ScriptedS3::answering(vec![Ok((200, "hello"))]);
        let body = reader(&script, None, "eu-west-1")
            .get("ore-mail", "p/email.txt", 1024)
            .await
            .unwrap();
        assert_eq!(body.as_deref(), Some(&b"hello"[..]));
        let requests = script.requests();
        let (url, headers) = &requests[0];
        assert_eq!(
            url,
            "https://ore-mail.s3.eu-west-1.amazonaws.com/p/email.txt"
        );
        let authorization = header(headers, "authorization").unwrap();
        assert!(
            authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
                && authorization.contains("/eu-west-1/s3/aws4_request")
                && authorization.contains(
                    "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token"
                ),
            "{authorization}"
        );
        // The hash of the empty payload.
        assert_eq!(
            header(headers, "x-amz-content-sha256"),
            Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(header(headers, "x-amz-security-token"), Some("token"));
        assert_eq!(
            header(headers, "host"),
            Some("ore-mail.s3.eu-west-1.amazonaws.com")
        );
    }

    #[tokio::test]
    async fn a_missing_key_is_none_and_a_missing_bucket_an_error() {
        let script = ScriptedS3::answering(vec![
            Ok((404, &error_document("NoSuchKey"))),
            Ok((404, &error_document("NoSuchBucket"))),
        ]);
        let s3 = reader(&script, None, "eu-west-1");
        assert_eq!(s3.get("b", "k", 10).await.unwrap(), None);
        let error = s3.get("b", "k", 10).await.unwrap_err();
        assert_eq!(error.kind(), "rejected");
        let failure = error.aws().unwrap();
        assert_eq!(failure.code.as_deref(), Some("NoSuchBucket"));
        assert_eq!(failure.request_id.as_deref(), Some("REQ123"));
        assert_eq!(script.requests().len(), 2, "a refusal is not retried");
    }

    #[tokio::test]
    async fn throttling_5xx_and_connection_failures_are_retried_up_to_three_attempts() {
        let script = ScriptedS3::answering(vec![
            Ok((503, &error_document("SlowDown"))),
            Err("connection reset"),
            Ok((200, "third time")),
        ]);
        let s3 = reader(&script, None, "eu-west-1");
        assert_eq!(
            s3.get("b", "k", 100).await.unwrap().as_deref(),
            Some(&b"third time"[..])
        );
        assert_eq!(script.requests().len(), 3);

        let script = ScriptedS3::answering(vec![
            Ok((500, &error_document("InternalError"))),
            Ok((500, &error_document("InternalError"))),
            Ok((500, &error_document("InternalError"))),
            Ok((200, "never asked")),
        ]);
        let error = reader(&script, None, "eu-west-1")
            .get("b", "k", 100)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), "transient");
        assert_eq!(script.requests().len(), ATTEMPTS as usize);
    }

    #[tokio::test]
    async fn an_access_denied_is_a_refusal_and_an_oversized_object_is_not_read() {
        let script = ScriptedS3::answering(vec![
            Ok((403, &error_document("AccessDenied"))),
            Ok((200, "0123456789")),
        ]);
        let s3 = reader(&script, None, "eu-west-1");
        let denied = s3.get("b", "k", 100).await.unwrap_err();
        assert_eq!(denied.kind(), "rejected");
        assert_eq!(denied.aws().unwrap().code.as_deref(), Some("AccessDenied"));
        let oversized = s3.get("b", "k", 9).await.unwrap_err();
        assert!(
            ore_lambda::error::Chain(&oversized)
                .to_string()
                .contains("10 bytes, more than 9"),
            "{oversized:?}"
        );
    }
}
