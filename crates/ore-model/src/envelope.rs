//! SQS body -> payload. With default SNS->SQS delivery the body is the SNS notification envelope
//! and the payload is its `Message` string; with `RawMessageDelivery: true` the body is the payload.
//! Detection is per record, so a queue fed both ways still works.

use serde_json::Value;

use crate::InputError;

/// SQS accepts up to 1 MiB; ORE's payloads are a few KiB. Anything past this is not ours.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A payload a function reads from its queue: how it is recognised and checked once unwrapped.
/// The batch helper decodes every record into its handler's `Payload`, so a service starts
/// from a typed, checked value.
pub trait Payload: Sized {
    /// Recognise and check the JSON payload; another event or a broken one is an [`InputError`].
    fn from_payload(payload: Value) -> Result<Self, InputError>;
}

/// The one way an SQS record body becomes a typed payload: unwrap (raw or SNS-wrapped), then
/// [`Payload::from_payload`].
pub fn from_sqs_body<T: Payload>(body: &str) -> Result<T, InputError> {
    T::from_payload(unwrap_payload(body)?)
}

/// The payload carried by one SQS record body, as JSON.
pub fn unwrap_payload(body: &str) -> Result<Value, InputError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(InputError::Oversized {
            size: body.len(),
            limit: MAX_BODY_BYTES,
        });
    }
    let value: Value = serde_json::from_str(body).map_err(InputError::NotJson)?;
    match sns_message(&value)? {
        Some(message) => serde_json::from_str(message).map_err(InputError::EnvelopeMessageNotJson),
        None => Ok(value),
    }
}

/// `Some(message)` when the value is an SNS notification envelope. EventBridge events and
/// CloudEvents never carry both `TopicArn` and `Type`, so the check cannot misfire on a payload.
fn sns_message(value: &Value) -> Result<Option<&str>, InputError> {
    let Some(object) = value.as_object() else {
        return Ok(None);
    };
    let (Some(kind), Some(_topic)) = (object.get("Type"), object.get("TopicArn")) else {
        return Ok(None);
    };
    let kind = kind.as_str().unwrap_or_default();
    if kind != "Notification" {
        return Err(InputError::NotANotification(kind.to_owned()));
    }
    match object.get("Message").and_then(Value::as_str) {
        Some(message) => Ok(Some(message)),
        None => Err(InputError::InvalidField {
            field: "Message",
            reason: "an SNS notification must carry a string Message".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_body_is_the_payload() {
        let payload = unwrap_payload(r#"{"source":"aws.ec2","detail":{}}"#).unwrap();
        assert_eq!(payload["source"], "aws.ec2");
    }

    #[test]
    fn sns_envelope_is_unwrapped() {
        let body = r#"{"Type":"Notification","TopicArn":"arn:aws:sns:eu-west-1:1:t","Message":"{\"a\":1}"}"#;
        assert_eq!(unwrap_payload(body).unwrap()["a"], 1);
    }

    #[test]
    fn subscription_confirmation_is_rejected() {
        let body = r#"{"Type":"SubscriptionConfirmation","TopicArn":"arn:aws:sns:eu-west-1:1:t","Message":"hi"}"#;
        let err = unwrap_payload(body).unwrap_err();
        assert!(
            matches!(err, InputError::NotANotification(ref k) if k == "SubscriptionConfirmation")
        );
    }

    #[test]
    fn envelope_with_non_json_message_is_rejected() {
        let body = r#"{"Type":"Notification","TopicArn":"arn:aws:sns:eu-west-1:1:t","Message":"plain text"}"#;
        assert!(matches!(
            unwrap_payload(body),
            Err(InputError::EnvelopeMessageNotJson(_))
        ));
    }

    #[test]
    fn envelope_without_message_is_rejected() {
        let body =
            r#"{"Type":"Notification","TopicArn":"arn:aws:sns:eu-west-1:1:t","Message":{"a":1}}"#;
        assert!(matches!(
            unwrap_payload(body),
            Err(InputError::InvalidField {
                field: "Message",
                ..
            })
        ));
    }

    #[test]
    fn non_json_and_oversized_bodies_are_rejected() {
        assert!(matches!(
            unwrap_payload("{nope"),
            Err(InputError::NotJson(_))
        ));
        let huge = format!("\"{}\"", "x".repeat(MAX_BODY_BYTES));
        assert!(matches!(
            unwrap_payload(&huge),
            Err(InputError::Oversized { .. })
        ));
    }
}
