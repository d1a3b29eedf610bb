//! The mail ledger on DynamoDB (key `message_id`): one item per standard message the emailer
//! has claimed or sent, each with `ttl` (epoch seconds) for DynamoDB's Time to Live.

use std::time::Duration;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use ore_lambda::aws_error::record_error;
use ore_lambda::dynamodb::{
    expires, read_text, read_time, string_value, timestamp, Item, TTL_ATTRIBUTE,
};
use ore_lambda::RecordError;

use super::{Claim, MailLedger};

/// The mail ledger's key.
pub const LEDGER_KEY: &str = "message_id";

/// Status values of ledger items.
const SENDING: &str = "sending";
const SENT: &str = "sent";

/// The ledger of sent mail in a DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoMailLedger {
    client: Client,
    table: String,
    retention: Duration,
}

impl DynamoMailLedger {
    /// Items expire `retention` after their claim: longer than SQS can redeliver a message.
    pub fn new(client: Client, table: impl Into<String>, retention: Duration) -> Self {
        DynamoMailLedger {
            client,
            table: table.into(),
            retention,
        }
    }

    async fn read(&self, message_id: &str) -> Result<Option<Item>, RecordError> {
        let read = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(LEDGER_KEY, string_value(message_id))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| record_error("dynamodb:GetItem", e))?;
        Ok(read.item)
    }
}

impl MailLedger for DynamoMailLedger {
    async fn claim(&self, message_id: &str, now: DateTime<Utc>) -> Result<Claim, RecordError> {
        let claimed = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(LEDGER_KEY, string_value(message_id))
            .item("status", string_value(SENDING))
            .item("claimed_at", string_value(timestamp(now)))
            .item(TTL_ATTRIBUTE, expires(now, self.retention))
            .condition_expression("attribute_not_exists(#id)")
            .expression_attribute_names("#id", LEDGER_KEY)
            .send()
            .await;
        match claimed {
            Ok(_) => return Ok(Claim::Granted),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) => {}
            Err(e) => return Err(record_error("dynamodb:PutItem", e)),
        }
        let Some(item) = self.read(message_id).await? else {
            // Released between our write and our read: the next delivery claims it.
            return Ok(Claim::Pending { claimed_at: now });
        };
        if read_text(&item, "status") == Ok(SENT) {
            return Ok(Claim::Sent);
        }
        let claimed_at = read_time(&item, "claimed_at").unwrap_or_else(|problem| {
            tracing::warn!(
                message_id,
                problem,
                "unreadable claim time in the mail ledger"
            );
            DateTime::<Utc>::MIN_UTC
        });
        Ok(Claim::Pending { claimed_at })
    }

    async fn confirm(&self, message_id: &str) -> Result<(), RecordError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(LEDGER_KEY, string_value(message_id))
            .update_expression("SET #status = :sent")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sent", string_value(SENT))
            .send()
            .await
            .map_err(|e| record_error("dynamodb:UpdateItem", e))?;
        Ok(())
    }

    async fn release(&self, message_id: &str) -> Result<(), RecordError> {
        let released = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(LEDGER_KEY, string_value(message_id))
            // Never forget a mail that was sent.
            .condition_expression("#status = :sending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sending", string_value(SENDING))
            .send()
            .await;
        match released {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(record_error("dynamodb:DeleteItem", e)),
        }
    }
}
