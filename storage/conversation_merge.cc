#include "storage/conversation_merge.h"

#include "proto/codec.h"
#include "storage/keys.h"

namespace sb::storage {

std::string encode_activity(const proto::ConversationActivity& a) {
  std::string v(1, kActivityMark);
  keys::append_be64(v, static_cast<std::uint64_t>(a.updated_at));
  keys::append_be64(v, a.message_count);
  return v;
}

std::optional<proto::ConversationActivity> decode_activity(std::string_view v) {
  if (v.size() != 17 || v[0] != kActivityMark) return std::nullopt;
  const auto updated_at = keys::read_be64(v.substr(1, 8));
  const auto count = keys::read_be64(v.substr(9, 8));
  if (!updated_at || !count) return std::nullopt;
  proto::ConversationActivity a;
  a.updated_at = static_cast<proto::TimeMs>(*updated_at);
  a.message_count = *count;
  return a;
}

namespace {

class ConversationMerge final : public rocksdb::MergeOperator {
 public:
  const char* Name() const override { return "switchboard.ConversationActivity"; }

  // Record + operands -> record with the last operand's counters. Never
  // fails: a failed merge would stop the database (a compaction error) over
  // one record. What cannot be merged is left for recovery to report: an
  // operand without a record (the router stores a conversation before any
  // activity of it) stays as the value; a record stays unchanged when it or
  // the operand does not decode (the record is worth more than its counters).
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    const rocksdb::Slice& last = in.operand_list.back();
    if (in.existing_value == nullptr) {
      out->new_value.assign(last.data(), last.size());
      return true;
    }
    const auto activity = decode_activity(last.ToStringView());
    auto conv = proto::decode_conversation(in.existing_value->ToStringView());
    if (!activity || !conv) {
      out->existing_operand = *in.existing_value;  // unchanged
      return true;
    }
    proto::apply(*activity, *conv);
    out->new_value = proto::encode(*conv);
    return true;
  }

  // Operands carry absolute values: the later one is the merge of both.
  bool PartialMerge(const rocksdb::Slice& /*key*/, const rocksdb::Slice& /*left*/,
                    const rocksdb::Slice& right, std::string* new_value,
                    rocksdb::Logger* /*logger*/) const override {
    new_value->assign(right.data(), right.size());
    return true;
  }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> conversation_merge_operator() {
  return std::make_shared<ConversationMerge>();
}

}  // namespace sb::storage
