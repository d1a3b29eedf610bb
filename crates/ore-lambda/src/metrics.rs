//! CloudWatch metrics in Embedded Metric Format: one JSON line on stdout per group, which
//! CloudWatch Logs turns into metrics. No API call and no dependency on the hot path.
//! Namespace `ORE`; dimension `FunctionName`, and `FunctionName` + `State` for record counts.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::batch::{Outcome, RecordResult};

/// Every ORE metric lives here; alarms in template.yaml name it.
pub const NAMESPACE: &str = "ORE";
/// Records whose state could not be read (they failed before parsing).
pub const UNKNOWN_STATE: &str = "unknown";

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    records_in: u32,
    delivered: u32,
    ignored: u32,
    duplicates: u32,
    failed: u32,
}

/// The EMF documents for one batch: record counts per state, and one per heartbeat seen
/// (`HeartbeatsSeen`, and `HeartbeatDelay` in milliseconds from the heartbeat's time).
pub fn batch_documents(function_name: &str, results: &[RecordResult], now_ms: i64) -> Vec<Value> {
    let mut per_state: BTreeMap<&str, Counts> = BTreeMap::new();
    let mut documents = Vec::new();
    for result in results {
        let (state, count): (&str, fn(&mut Counts)) = match result {
            RecordResult::Done(Outcome::Delivered { state }) => (state, |c| c.delivered += 1),
            RecordResult::Done(Outcome::Ignored { state }) => (state, |c| c.ignored += 1),
            RecordResult::Done(Outcome::Duplicate { state }) => (state, |c| c.duplicates += 1),
            RecordResult::Done(Outcome::Heartbeat { delay_ms, .. }) => {
                documents.push(heartbeat_document(function_name, *delay_ms, now_ms));
                continue;
            }
            RecordResult::Failed(_) => (UNKNOWN_STATE, |c| c.failed += 1),
        };
        let counts = per_state.entry(state).or_default();
        counts.records_in += 1;
        count(counts);
    }
    let mut counted: Vec<Value> = per_state
        .into_iter()
        .map(|(state, c)| {
            json!({
                "_aws": {
                    "Timestamp": now_ms,
                    "CloudWatchMetrics": [{
                        "Namespace": NAMESPACE,
                        "Dimensions": [["FunctionName"], ["FunctionName", "State"]],
                        "Metrics": [
                            {"Name": "RecordsIn", "Unit": "Count"},
                            {"Name": "Delivered", "Unit": "Count"},
                            {"Name": "Ignored", "Unit": "Count"},
                            {"Name": "Duplicates", "Unit": "Count"},
                            {"Name": "Failed", "Unit": "Count"},
                        ],
                    }],
                },
                "FunctionName": function_name,
                "State": state,
                "RecordsIn": c.records_in,
                "Delivered": c.delivered,
                "Ignored": c.ignored,
                "Duplicates": c.duplicates,
                "Failed": c.failed,
            })
        })
        .collect();
    counted.append(&mut documents);
    counted
}

/// One count of `metric` (Namespace `ORE`, dimension `FunctionName`), for events outside a
/// batch, such as what init found.
pub fn count_document(function_name: &str, metric: &str, count: usize, now_ms: i64) -> Value {
    json!({
        "_aws": {
            "Timestamp": now_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["FunctionName"]],
                "Metrics": [{"Name": metric, "Unit": "Count"}],
            }],
        },
        "FunctionName": function_name,
        metric: count,
    })
}

fn heartbeat_document(function_name: &str, delay_ms: i64, now_ms: i64) -> Value {
    json!({
        "_aws": {
            "Timestamp": now_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["FunctionName"]],
                "Metrics": [
                    {"Name": "HeartbeatsSeen", "Unit": "Count"},
                    {"Name": "HeartbeatDelay", "Unit": "Milliseconds"},
                ],
            }],
        },
        "FunctionName": function_name,
        "HeartbeatsSeen": 1,
        "HeartbeatDelay": delay_ms.max(0),
    })
}

/// Write the documents to stdout, one line each, as CloudWatch Logs expects them.
pub fn emit(documents: &[Value]) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for document in documents {
        // A metric line that cannot be written is not worth failing a batch over.
        let _ = writeln!(out, "{document}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AwsFailure, RecordError};

    #[test]
    fn counts_per_state_and_one_document_per_heartbeat() {
        let results = vec![
            RecordResult::Done(Outcome::Delivered { state: "running" }),
            RecordResult::Done(Outcome::Delivered { state: "running" }),
            RecordResult::Done(Outcome::Ignored { state: "stopped" }),
            RecordResult::Done(Outcome::Duplicate { state: "stopped" }),
            RecordResult::Failed(RecordError::Transient(AwsFailure::new(
                "sns:Publish",
                "503",
            ))),
            RecordResult::Done(Outcome::Heartbeat {
                id: "hb-1".into(),
                delay_ms: 1234,
            }),
        ];
        let documents = batch_documents("ore-normalizer", &results, 1_800_000_000_000);
        assert_eq!(documents.len(), 4);
        let by_state = |state: &str| {
            documents
                .iter()
                .find(|d| d["State"] == state)
                .unwrap_or_else(|| panic!("no document for {state}"))
        };
        let running = by_state("running");
        assert_eq!(running["RecordsIn"], 2);
        assert_eq!(running["Delivered"], 2);
        assert_eq!(running["Failed"], 0);
        assert_eq!(by_state("stopped")["Ignored"], 1);
        assert_eq!(by_state("stopped")["Duplicates"], 1);
        assert_eq!(by_state("stopped")["RecordsIn"], 2);
        assert_eq!(by_state(UNKNOWN_STATE)["Failed"], 1);
        let heartbeat = documents.last().unwrap();
        assert_eq!(heartbeat["HeartbeatsSeen"], 1);
        assert_eq!(heartbeat["HeartbeatDelay"], 1234);
        for document in &documents {
            assert_eq!(document["FunctionName"], "ore-normalizer");
            assert_eq!(document["_aws"]["Timestamp"], 1_800_000_000_000i64);
            let directive = &document["_aws"]["CloudWatchMetrics"][0];
            assert_eq!(directive["Namespace"], NAMESPACE);
            // Every metric and dimension named in the directive is a member of the document.
            for metric in directive["Metrics"].as_array().unwrap() {
                let name = metric["Name"].as_str().unwrap();
                assert!(document[name].is_number(), "{name} missing");
            }
            for set in directive["Dimensions"].as_array().unwrap() {
                for dimension in set.as_array().unwrap() {
                    assert!(document[dimension.as_str().unwrap()].is_string());
                }
            }
        }
    }

    #[test]
    fn an_empty_batch_emits_nothing() {
        assert!(batch_documents("f", &[], 0).is_empty());
    }
}
