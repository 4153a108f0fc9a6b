// How the conversations CF takes a proto::ConversationActivity: as a RocksDB
// merge operand on the conversation's key instead of a rewritten record.
// A customer's follow-up changes only updated_at and message_count of its
// conversation; the record (several hundred bytes of JSON) was rewritten on
// every such message, ~10 % of ingest throughput (docs/performance-history.md,
// session 7). The operand is 17 bytes: kActivityMark, updated_at and
// message_count as be64. Its values are absolute, so the last operand wins
// and merging is cheap: RocksDB folds operands into the record on flush,
// compaction and reads (recovery's scan sees merged records).
//
// Internal to storage/. Stateless and thread-safe, as RocksDB requires.
#pragma once

#include <rocksdb/merge_operator.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "proto/change.h"

namespace sb::storage {

// A conversation record is JSON (starts with '{'); an operand starts so.
constexpr char kActivityMark = '\x02';

std::string encode_activity(const proto::ConversationActivity& a);
// nullopt unless `v` is exactly an operand (conversation_id stays empty).
std::optional<proto::ConversationActivity> decode_activity(std::string_view v);

std::shared_ptr<rocksdb::MergeOperator> conversation_merge_operator();

}  // namespace sb::storage
