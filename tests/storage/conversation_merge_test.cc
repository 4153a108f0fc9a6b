#include "storage/conversation_merge.h"

#include <gtest/gtest.h>

#include "proto/codec.h"

namespace sb::storage {
namespace {

TEST(ConversationMerge, ActivityRoundTripsAndRejectsAnythingElse) {
  const proto::ConversationActivity a{"", 1'764'650'000'123, 42};
  const auto v = encode_activity(a);
  EXPECT_EQ(v.size(), 17u);
  const auto back = decode_activity(v);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->updated_at, a.updated_at);
  EXPECT_EQ(back->message_count, a.message_count);
  EXPECT_FALSE(decode_activity(v.substr(0, 16)));
  EXPECT_FALSE(decode_activity(v + "x"));
  EXPECT_FALSE(decode_activity(R"({"id":"cv-1"})"));
  EXPECT_FALSE(decode_activity(""));
}

// Runs the operator as RocksDB does on a read, flush or compaction.
std::string full_merge(const std::string* existing, const std::vector<std::string>& operands) {
  const auto op = conversation_merge_operator();
  std::vector<rocksdb::Slice> slices(operands.begin(), operands.end());
  std::optional<rocksdb::Slice> base;
  if (existing != nullptr) base = rocksdb::Slice(*existing);
  const rocksdb::MergeOperator::MergeOperationInput in(rocksdb::Slice("k"), base ? &*base : nullptr,
                                                       slices, nullptr);
  std::string new_value;
  rocksdb::Slice existing_operand(nullptr, 0);
  rocksdb::MergeOperator::MergeOperationOutput out(new_value, existing_operand);
  EXPECT_TRUE(op->FullMergeV2(in, &out));
  return existing_operand.data() != nullptr ? existing_operand.ToString() : new_value;
}

TEST(ConversationMerge, TheLastOperandSetsTheCounters) {
  proto::Conversation c;
  c.id = "cv-1";
  c.contact_id = "ct-1";
  c.queue = "support";
  c.updated_at = 10;
  c.message_count = 1;
  const auto record = proto::encode(c);
  const auto merged =
      full_merge(&record, {encode_activity({"", 20, 2}), encode_activity({"", 30, 3})});
  auto back = proto::decode_conversation(merged);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  c.updated_at = 30;
  c.message_count = 3;
  EXPECT_EQ(*back, c);

  std::string partial;
  EXPECT_TRUE(conversation_merge_operator()->PartialMerge(
      "k", encode_activity({"", 20, 2}), encode_activity({"", 30, 3}), &partial, nullptr));
  EXPECT_EQ(partial, encode_activity({"", 30, 3}));
}

// Never a failed merge (RocksDB would stop on it): what cannot be merged is
// left for recovery to report.
TEST(ConversationMerge, WhatCannotBeMergedIsKeptAsItIs) {
  const auto operand = encode_activity({"", 20, 2});
  EXPECT_EQ(full_merge(nullptr, {operand}), operand);
  const std::string garbage = "{not json";
  EXPECT_EQ(full_merge(&garbage, {operand}), garbage);
  proto::Conversation c;
  c.id = "cv-1";
  c.contact_id = "ct-1";
  const auto record = proto::encode(c);
  EXPECT_EQ(full_merge(&record, {"junk"}), record) << "a bad operand never replaces the record";
}

}  // namespace
}  // namespace sb::storage
