//! The floor for ORE's cold-start benchmark: what any Rust Lambda costs, with nothing of ORE in
//! it. It echoes its event, so a 10-record SQS batch costs it deserialising and serialising the
//! batch and no more. Built with the same release profile and by the same `cargo lambda build`
//! as the functions, and measured in the same run, so their init, latency and memory are
//! reported as ratios to it (see scripts/bench/cold-start.sh). Never deployed.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(event.payload)
    }))
    .await
}
