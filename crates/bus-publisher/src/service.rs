//! A batch through the bus-publisher: each record's message becomes one bus event; the batch's
//! events go out in as few PutEvents requests as EventBridge allows, and each record succeeds or
//! fails with its own entry.

use chrono::Utc;
use ore_lambda::batch::{Outcome, Record, RecordHandler};
use ore_lambda::RecordError;
use ore_model::message::OreMessage;
use ore_model::{InputError, Payload};
use serde_json::Value;
use tokio::time::Instant;

use crate::bus::{requests, EventBus};
use crate::entry::{bus_entry, BusEntry};

/// An ORE message, and its JSON as it arrived: the bus gets the JSON, not a re-serialization,
/// so a field a later ORE version adds reaches teams' rules before this function knows it.
#[derive(Debug, Clone)]
pub struct Published {
    /// The message, checked as every consumer checks it.
    pub message: OreMessage,
    /// Its JSON.
    pub body: Value,
}

impl Payload for Published {
    fn from_payload(payload: Value) -> Result<Self, InputError> {
        let message = OreMessage::from_payload(payload.clone())?;
        Ok(Published {
            message,
            body: payload,
        })
    }
}

/// The bus-publisher's record handler.
pub struct BusPublisher<B> {
    bus: B,
}

impl<B: EventBus> BusPublisher<B> {
    /// A publisher putting on `bus`.
    pub fn new(bus: B) -> Self {
        BusPublisher { bus }
    }

    /// The bus port (tests inspect their fakes through it).
    pub fn bus(&self) -> &B {
        &self.bus
    }
}

/// What a record that was put amounts to, for the metrics, with its log line.
fn put(message: &OreMessage, event_id: &str) -> Outcome {
    match message {
        OreMessage::StateChanged(m) => {
            let state = m.data.state.as_str();
            tracing::info!(message_id = %m.id, event_id, resource_id = %m.data.resource.resource_id,
                state, "put on the ORE event bus");
            Outcome::Delivered { state }
        }
        OreMessage::Notice(m) => {
            let kind = m.kind().as_str();
            tracing::info!(message_id = %m.id, event_id, resource_id = %m.data.resource.resource_id,
                kind, "put on the ORE event bus");
            Outcome::Delivered { state: kind }
        }
        OreMessage::Heartbeat(m) => {
            let delay_ms = m.delay_ms(Utc::now());
            // verify-deployment follows the heartbeat by its id in this line.
            tracing::info!(heartbeat_id = %m.data.source_event_id, event_id, delay_ms,
                "heartbeat put on the ORE event bus");
            Outcome::Heartbeat {
                id: m.data.source_event_id.clone(),
                delay_ms,
            }
        }
    }
}

impl<B: EventBus + Sync> RecordHandler for BusPublisher<B> {
    type Input = Published;

    async fn handle_record(
        &self,
        input: Published,
        deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        let record = Record {
            message_id: String::new(),
            input,
        };
        let mut results = self.handle_records(vec![record], deadline).await;
        results.pop().unwrap_or_else(|| {
            Err(RecordError::local(
                "put one message",
                "the batch returned no result",
            ))
        })
    }

    async fn handle_records(
        &self,
        records: Vec<Record<Published>>,
        _deadline: Instant,
    ) -> Vec<Result<Outcome, RecordError>> {
        let mut results: Vec<Option<Result<Outcome, RecordError>>> =
            records.iter().map(|_| None).collect();
        let mut entries: Vec<BusEntry> = Vec::with_capacity(records.len());
        let mut positions = Vec::with_capacity(records.len());
        for (index, record) in records.iter().enumerate() {
            match bus_entry(&record.input.message, &record.input.body) {
                Ok(entry) => {
                    entries.push(entry);
                    positions.push(index);
                }
                Err(error) => results[index] = Some(Err(error.into())),
            }
        }
        let mut at = 0;
        for request in requests(&entries) {
            let answered = self.bus.put(request).await;
            let chunk = &positions[at..at + request.len()];
            at += request.len();
            match answered {
                Ok(answers) => {
                    for (&index, answer) in chunk.iter().zip(answers) {
                        results[index] =
                            Some(answer.map(|id| put(&records[index].input.message, &id)));
                    }
                }
                Err(error) => {
                    for &index in chunk {
                        results[index] = Some(Err(error.shared()));
                    }
                }
            }
        }
        results
            .into_iter()
            .map(|result| {
                result.unwrap_or_else(|| {
                    Err(RecordError::local(
                        "put a message",
                        "EventBridge gave no answer for this entry",
                    ))
                })
            })
            .collect()
    }
}
