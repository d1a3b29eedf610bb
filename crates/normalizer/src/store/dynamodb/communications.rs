//! AWS Health events' latest communications in the state table: one item per event and
//! resource, `sk = health#<UUIDv5 of the event ARN>`, beside the resource's history.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use ore_lambda::aws_error::record_error;
use ore_lambda::dynamodb::{
    expires, read_text, read_time, string_value, timestamp, Item, TTL_ATTRIBUTE,
};
use ore_lambda::RecordError;
use ore_model::notice::HealthStatus;

use super::{DynamoStateStore, PARTITION_KEY, SORT_KEY};
use crate::store::Communication;

/// The prefix of a Health event's latest communication's sort key.
pub const HEALTH_PREFIX: &str = "health#";

/// The sort key of `event_arn`'s latest communication: a UUIDv5 of the ARN, as an ARN may be
/// longer than a sort key (1,024 bytes) allows.
pub fn health_sort_key(event_arn: &str) -> String {
    format!(
        "{HEALTH_PREFIX}{}",
        ore_model::standard::message_id(event_arn, "health event")
    )
}

impl DynamoStateStore {
    pub(super) async fn read_communication(
        &self,
        resource: &str,
        event_arn: &str,
    ) -> Result<Option<Communication>, RecordError> {
        let Some(item) = self.item_at(resource, &health_sort_key(event_arn)).await? else {
            return Ok(None);
        };
        let unreadable =
            |reason: String| RecordError::local("read a Health event's communication", reason);
        let item = &item;
        let status = read_text(item, "status").map_err(unreadable)?;
        let status: HealthStatus = serde_json::from_value(status.into())
            .map_err(|e| unreadable(format!("status {status:?}: {e}")))?;
        let time = read_time(item, "event_time").map_err(unreadable)?;
        let updated_from = match read_text(item, "updated_from") {
            Ok(text) => Some(
                serde_json::from_value(text.into())
                    .map_err(|e| unreadable(format!("updated_from {text:?}: {e}")))?,
            ),
            Err(_) => None,
        };
        Ok(Some(Communication {
            status,
            time,
            updated_from,
        }))
    }

    pub(super) async fn write_communication(
        &self,
        resource: &str,
        event_arn: &str,
        communication: Communication,
    ) -> Result<(), RecordError> {
        let mut item: Item = HashMap::from([
            (PARTITION_KEY.to_owned(), string_value(resource)),
            (
                SORT_KEY.to_owned(),
                string_value(health_sort_key(event_arn)),
            ),
            (
                "status".to_owned(),
                string_value(communication.status.as_str()),
            ),
            (
                "event_time".to_owned(),
                string_value(timestamp(communication.time)),
            ),
            (
                TTL_ATTRIBUTE.to_owned(),
                expires(communication.time, self.retention),
            ),
        ]);
        if let Some(status) = communication.updated_from {
            item.insert("updated_from".to_owned(), string_value(status.as_str()));
        }
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            // A later communication remembered first stays: they may arrive out of order.
            .condition_expression("attribute_not_exists(#sk) OR event_time <= :time")
            .expression_attribute_names("#sk", SORT_KEY)
            .expression_attribute_values(":time", string_value(timestamp(communication.time)))
            .send()
            .await;
        match written {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(())
            }
            Err(e) => Err(record_error("dynamodb:PutItem", e)),
        }
    }
}
