//! The state store on DynamoDB. State table (key `pk`, `sk`): per resource ARN, one item
//! `sk = "state"` holding the current state, one item per event, `sk = "event#<time>#<event
//! id>"`, sorted by time, one item per notice published, `sk = "notice#<message id>"`, and one
//! per AWS Health event that told of the resource, `sk = "health#<UUIDv5 of the event ARN>"`, its
//! latest communication that went out (neither is part of the history); every item carries `ttl`
//! (epoch seconds) for DynamoDB's Time to Live.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use ore_lambda::aws_error::record_error;
use ore_lambda::dynamodb::{
    expires, read_text, read_time, string_value, timestamp, Item, TTL_ATTRIBUTE,
};
use ore_lambda::RecordError;
use ore_model::timing::{CurrentState, HistoryEntry, Snapshot, StateName, Timing};

use super::{Communication, Recorded, StateStore};

mod communications;
pub use communications::{health_sort_key, HEALTH_PREFIX};

/// The state table's partition key: the resource ARN.
pub const PARTITION_KEY: &str = "pk";
/// The state table's sort key.
pub const SORT_KEY: &str = "sk";
/// The sort key of a resource's current state.
pub const CURRENT_SORT_KEY: &str = "state";
/// The prefix of history items' sort keys.
pub const HISTORY_PREFIX: &str = "event#";
/// The prefix of published notices' sort keys.
pub const NOTICE_PREFIX: &str = "notice#";
/// At most this many pages of history are read for one event (1 MB each): a bound, not a
/// limit anyone should reach within a flapping window.
const MAX_PAGES: usize = 8;

/// The sort key of `entry`'s history item: time first, so a range query reads a window.
pub fn history_sort_key(event_time: DateTime<Utc>, event_id: &str) -> String {
    format!("{HISTORY_PREFIX}{}#{event_id}", timestamp(event_time))
}

/// The resources' states and history in a DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoStateStore {
    client: Client,
    table: String,
    retention: Duration,
}

impl DynamoStateStore {
    /// Items expire `retention` after their event time.
    pub fn new(client: Client, table: impl Into<String>, retention: Duration) -> Self {
        DynamoStateStore {
            client,
            table: table.into(),
            retention,
        }
    }

    fn history_item<S: StateName>(
        &self,
        resource: &str,
        entry: &HistoryEntry<S>,
    ) -> Result<Item, RecordError> {
        let timing = serde_json::to_string(&entry.timing)
            .map_err(|e| RecordError::local("serialize the timing", e))?;
        Ok(HashMap::from([
            (PARTITION_KEY.into(), string_value(resource)),
            (
                SORT_KEY.into(),
                string_value(history_sort_key(entry.event_time, &entry.event_id)),
            ),
            ("event_id".into(), string_value(&entry.event_id)),
            (
                "event_time".into(),
                string_value(timestamp(entry.event_time)),
            ),
            ("state".into(), string_value(entry.state.name())),
            ("message_id".into(), string_value(&entry.message_id)),
            ("timing".into(), string_value(timing)),
            ("published".into(), AttributeValue::Bool(entry.published)),
            (
                TTL_ATTRIBUTE.into(),
                expires(entry.event_time, self.retention),
            ),
        ]))
    }

    fn current_item<S: StateName>(&self, resource: &str, current: &CurrentState<S>) -> Item {
        let mut item = HashMap::from([
            (PARTITION_KEY.into(), string_value(resource)),
            (SORT_KEY.into(), string_value(CURRENT_SORT_KEY)),
            ("state".into(), string_value(current.state.name())),
            ("since".into(), string_value(timestamp(current.since))),
            (
                "event_time".into(),
                string_value(timestamp(current.event_time)),
            ),
            ("event_id".into(), string_value(&current.event_id)),
            (
                TTL_ATTRIBUTE.into(),
                expires(current.event_time, self.retention),
            ),
        ]);
        if let Some(at) = current.flapping_flagged_at {
            item.insert("flapping_flagged_at".into(), string_value(timestamp(at)));
        }
        item
    }
}

fn state<S: StateName>(item: &Item) -> Result<S, String> {
    let value = read_text(item, "state")?;
    S::from_name(value).ok_or_else(|| format!("state {value:?} is not a state of this timeline"))
}

/// A history item back into an entry; `Err` names what is wrong with it.
pub fn read_history<S: StateName>(item: &Item) -> Result<HistoryEntry<S>, String> {
    let timing: Timing<S> = serde_json::from_str(read_text(item, "timing")?)
        .map_err(|e| format!("timing is not ORE's timing: {e}"))?;
    Ok(HistoryEntry {
        event_id: read_text(item, "event_id")?.to_owned(),
        event_time: read_time(item, "event_time")?,
        state: state(item)?,
        message_id: read_text(item, "message_id")?.to_owned(),
        timing,
        published: matches!(item.get("published"), Some(AttributeValue::Bool(true))),
    })
}

fn read_current<S: StateName>(item: &Item) -> Result<CurrentState<S>, String> {
    Ok(CurrentState {
        state: state(item)?,
        since: read_time(item, "since")?,
        event_time: read_time(item, "event_time")?,
        event_id: read_text(item, "event_id")?.to_owned(),
        flapping_flagged_at: match item.get("flapping_flagged_at") {
            None => None,
            Some(_) => Some(read_time(item, "flapping_flagged_at")?),
        },
    })
}

impl StateStore for DynamoStateStore {
    async fn load<S: StateName>(
        &self,
        resource: &str,
        from: DateTime<Utc>,
    ) -> Result<Snapshot<S>, RecordError> {
        let mut snapshot = Snapshot::default();
        let mut start = None;
        for _ in 0..MAX_PAGES {
            // "state" sorts after every "event#…" key: one range reads the window and the
            // current state.
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND #sk >= :from")
                .expression_attribute_names("#pk", PARTITION_KEY)
                .expression_attribute_names("#sk", SORT_KEY)
                .expression_attribute_values(":pk", string_value(resource))
                .expression_attribute_values(
                    ":from",
                    string_value(format!("{HISTORY_PREFIX}{}", timestamp(from))),
                )
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| record_error("dynamodb:Query", e))?;
            for item in page.items() {
                let sort_key = read_text(item, SORT_KEY).unwrap_or_default();
                if sort_key.starts_with(NOTICE_PREFIX) || sort_key.starts_with(HEALTH_PREFIX) {
                    // Sort between the history and the current state; part of neither.
                    continue;
                }
                let read = if sort_key == CURRENT_SORT_KEY {
                    read_current(item).map(|c| snapshot.current = Some(c))
                } else {
                    read_history(item).map(|e| snapshot.history.push(e))
                };
                if let Err(problem) = read {
                    snapshot.unreadable += 1;
                    tracing::warn!(
                        resource,
                        sort_key,
                        problem,
                        "unreadable item in the state table; skipped"
                    );
                }
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(snapshot)
    }

    async fn record<S: StateName>(
        &self,
        resource: &str,
        entry: &HistoryEntry<S>,
        current: Option<(&CurrentState<S>, Option<&str>)>,
    ) -> Result<Recorded, RecordError> {
        let history = self.history_item(resource, entry)?;
        match current {
            None => self.record_late(history).await,
            Some((current, expected)) => {
                let state = self.current_item(resource, current);
                self.record_in_order(history, state, expected).await
            }
        }
    }

    async fn mark_published<S: StateName>(
        &self,
        resource: &str,
        entry: &HistoryEntry<S>,
    ) -> Result<(), RecordError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, string_value(resource))
            .key(
                SORT_KEY,
                string_value(history_sort_key(entry.event_time, &entry.event_id)),
            )
            .update_expression("SET published = :yes")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .send()
            .await
            .map_err(|e| record_error("dynamodb:UpdateItem", e))?;
        Ok(())
    }

    async fn notice_published(
        &self,
        resource: &str,
        message_id: &str,
    ) -> Result<bool, RecordError> {
        let sort_key = format!("{NOTICE_PREFIX}{message_id}");
        Ok(self.item_at(resource, &sort_key).await?.is_some())
    }

    async fn mark_notice_published(
        &self,
        resource: &str,
        message_id: &str,
        event_time: DateTime<Utc>,
    ) -> Result<(), RecordError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(PARTITION_KEY, string_value(resource))
            .item(
                SORT_KEY,
                string_value(format!("{NOTICE_PREFIX}{message_id}")),
            )
            .item("event_time", string_value(timestamp(event_time)))
            .item(TTL_ATTRIBUTE, expires(event_time, self.retention))
            .send()
            .await
            .map_err(|e| record_error("dynamodb:PutItem", e))?;
        Ok(())
    }

    async fn last_communication(
        &self,
        resource: &str,
        event_arn: &str,
    ) -> Result<Option<Communication>, RecordError> {
        self.read_communication(resource, event_arn).await
    }

    async fn remember_communication(
        &self,
        resource: &str,
        event_arn: &str,
        communication: Communication,
    ) -> Result<(), RecordError> {
        self.write_communication(resource, event_arn, communication)
            .await
    }
}

impl DynamoStateStore {
    /// The item at `resource` and `sort_key`, if there is one: a key-equality Query (consistent),
    /// so the normalizer needs no GetItem beside its Query.
    async fn item_at(&self, resource: &str, sort_key: &str) -> Result<Option<Item>, RecordError> {
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND #sk = :sk")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .expression_attribute_names("#sk", SORT_KEY)
            .expression_attribute_values(":pk", string_value(resource))
            .expression_attribute_values(":sk", string_value(sort_key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| record_error("dynamodb:Query", e))?;
        Ok(page.items().first().cloned())
    }

    /// A late event: its history entry alone, written once.
    async fn record_late(&self, history: Item) -> Result<Recorded, RecordError> {
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(history))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .send()
            .await;
        recorded(written, "dynamodb:PutItem", |e| {
            matches!(e, PutItemError::ConditionalCheckFailedException(_))
        })
    }

    /// An event in order: its history entry and the new current state in one transaction, the
    /// state only over the one this attempt read (`expected`: its event id, or none at all).
    async fn record_in_order(
        &self,
        history: Item,
        state: Item,
        expected: Option<&str>,
    ) -> Result<Recorded, RecordError> {
        let build = |e| RecordError::local("build a DynamoDB write", e);
        let history = Put::builder()
            .table_name(&self.table)
            .set_item(Some(history))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .build()
            .map_err(build)?;
        let state = Put::builder()
            .table_name(&self.table)
            .set_item(Some(state))
            .expression_attribute_names("#pk", PARTITION_KEY);
        let state = match expected {
            None => state.condition_expression("attribute_not_exists(#pk)"),
            Some(event_id) => state
                .condition_expression("attribute_exists(#pk) AND event_id = :expected")
                .expression_attribute_values(":expected", string_value(event_id)),
        }
        .build()
        .map_err(build)?;
        let written = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(history).build())
            .transact_items(TransactWriteItem::builder().put(state).build())
            .send()
            .await;
        recorded(written, "dynamodb:TransactWriteItems", |e| {
            matches!(e, TransactWriteItemsError::TransactionCanceledException(_))
        })
    }
}
/// A conditional write's answer: written, lost to another writer (`lost` names the service
/// error that says its condition failed), or a fault.
fn recorded<O, E>(
    written: Result<O, SdkError<E, HttpResponse>>,
    operation: &'static str,
    lost: fn(&E) -> bool,
) -> Result<Recorded, RecordError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match written {
        Ok(_) => Ok(Recorded::Written),
        Err(e) if e.as_service_error().is_some_and(lost) => Ok(Recorded::Conflict),
        Err(e) => Err(record_error(operation, e)),
    }
}
