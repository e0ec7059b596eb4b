//! What the backup road's tests share: a table with both kinds of secondary index, and the
//! two demo accounts made ready for a cross-account copy as an administrator would.

use aws_sdk_dynamodb::types::{KeyType, LocalSecondaryIndex, ScalarAttributeType};
use serde_json::json;

use super::{
    attribute, key_element, project_all, put_items, source_table_request, varied_item, Emulator,
};

pub const SOURCE_ACCOUNT: &str = "123456789012";
pub const DEST_ACCOUNT: &str = "222222222222";

/// The tests' table (`source_table_request`) with the LSI `by-date` (pk, `created`) too.
pub async fn create_table_with_both_indexes(client: &aws_sdk_dynamodb::Client, name: &str) {
    source_table_request(client, name)
        .attribute_definitions(attribute("created", ScalarAttributeType::S))
        .local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name("by-date")
                .key_schema(key_element("pk", KeyType::Hash))
                .key_schema(key_element("created", KeyType::Range))
                .projection(project_all())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create table");
}

pub async fn seed_with_both_indexes(emu: &Emulator, n: usize) -> aws_sdk_dynamodb::Client {
    let src = emu.dynamo("source", None).await;
    create_table_with_both_indexes(&src, "orders").await;
    put_items(&src, "orders", (0..n).map(varied_item).collect()).await;
    src
}

pub async fn backup_client(emu: &Emulator, profile: &str) -> aws_sdk_backup::Client {
    aws_sdk_backup::Client::new(&emu.sdk_config(profile, None).await)
}

/// What a cross-account copy needs, in place: one Organization with cross-account backup on,
/// AWS Backup's advanced DynamoDB features on at the source, a vault on each side (the
/// destination's policy holding a statement of its own, which must be kept).
pub async fn prepare_cross_account(emu: &Emulator) {
    join_one_organization(emu).await;
    let src = backup_client(emu, "source").await;
    let dst = backup_client(emu, "dest").await;
    src.update_region_settings()
        .resource_type_management_preference("DynamoDB", true)
        .send()
        .await
        .expect("advanced DynamoDB features on");
    src.update_global_settings()
        .global_settings("isCrossAccountBackupEnabled", "true")
        .send()
        .await
        .expect("cross-account backup on");
    src.create_backup_vault()
        .backup_vault_name("Default")
        .send()
        .await
        .expect("source vault");
    dst.create_backup_vault()
        .backup_vault_name("landing")
        .send()
        .await
        .expect("destination vault");
    let theirs = json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "KeepMe", "Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
        "Action": "backup:DeleteRecoveryPoint", "Resource": "*"}]});
    dst.put_backup_vault_access_policy()
        .backup_vault_name("landing")
        .policy(theirs.to_string())
        .send()
        .await
        .expect("the vault's own policy");
}

/// Both demo accounts in one AWS Organization.
pub async fn join_one_organization(emu: &Emulator) {
    let src = aws_sdk_organizations::Client::new(&emu.sdk_config("source", None).await);
    let dst = aws_sdk_organizations::Client::new(&emu.sdk_config("dest", None).await);
    src.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .expect("an organization");
    let invited = src
        .invite_account_to_organization()
        .target(
            aws_sdk_organizations::types::HandshakeParty::builder()
                .id(DEST_ACCOUNT)
                .r#type(aws_sdk_organizations::types::HandshakePartyType::Account)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("the invitation");
    let handshake = invited.handshake().and_then(|h| h.id()).unwrap().to_owned();
    dst.accept_handshake()
        .handshake_id(handshake)
        .send()
        .await
        .expect("the destination joins");
}
