//! The mail ledger's DynamoDB adapter against the emulator's DynamoDB, through the real SDK
//! client, on a table with the key schema template.yaml gives it: one claim per message, a
//! release only before the send.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use emailer::ledger::dynamodb::DynamoMailLedger;
use emailer::ledger::{Claim, MailLedger};
use test_support::{create_table, emulator_config};

fn at(minutes: i64) -> DateTime<Utc> {
    "2026-11-26T09:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(minutes)
}

#[tokio::test]
async fn the_mail_ledger_grants_one_claim_and_remembers_the_send() {
    let config = emulator_config().await;
    let table = create_table(&config, "MailLedgerTable").await;
    let ledger = DynamoMailLedger::new(
        aws_sdk_dynamodb::Client::new(&config),
        table,
        Duration::from_secs(86_400),
    );
    let now = at(0);
    assert_eq!(ledger.claim("m1", now).await.unwrap(), Claim::Granted);
    assert_eq!(
        ledger.claim("m1", at(1)).await.unwrap(),
        Claim::Pending { claimed_at: now }
    );
    // SES refused: released, claimable again.
    ledger.release("m1").await.unwrap();
    assert_eq!(ledger.claim("m1", at(2)).await.unwrap(), Claim::Granted);
    ledger.confirm("m1").await.unwrap();
    assert_eq!(ledger.claim("m1", at(3)).await.unwrap(), Claim::Sent);
    // A sent mail is never released.
    ledger.release("m1").await.unwrap();
    assert_eq!(ledger.claim("m1", at(4)).await.unwrap(), Claim::Sent);
}
