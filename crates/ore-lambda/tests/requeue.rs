//! `SqsRequeue` against SQS served by the emulator, through the real SDK client: a deferred
//! record's visibility is shortened, so it can be received again at once.

use std::time::Duration;

use ore_lambda::ports::Requeue;
use ore_lambda::requeue::SqsRequeue;
use test_support::{create_queue, emulator_config, unique_name};

#[tokio::test]
async fn a_deferred_record_becomes_visible_again_at_once() {
    let config = emulator_config().await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let (queue_url, queue_arn) = create_queue(&sqs, &unique_name("ore-requeue"), Some(300)).await;
    sqs.send_message()
        .queue_url(&queue_url)
        .message_body("deferred")
        .send()
        .await
        .expect("send");
    let receive = || sqs.receive_message().queue_url(&queue_url).send();
    let first = receive()
        .await
        .expect("receive")
        .messages
        .unwrap_or_default();
    let [message] = first.as_slice() else {
        panic!("one message, got {first:?}");
    };
    assert!(
        receive()
            .await
            .expect("receive")
            .messages
            .unwrap_or_default()
            .is_empty(),
        "hidden for the queue's 300 s visibility timeout"
    );

    let requeue = SqsRequeue::new(&config);
    requeue
        .requeue_after(
            &queue_arn,
            message.receipt_handle().unwrap(),
            Duration::ZERO,
        )
        .await
        .expect("ChangeMessageVisibility");

    let again = receive()
        .await
        .expect("receive")
        .messages
        .unwrap_or_default();
    assert_eq!(again.len(), 1, "visible again after requeue_after(0 s)");
    assert_eq!(again[0].body(), Some("deferred"));
}
