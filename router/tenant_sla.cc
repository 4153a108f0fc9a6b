// First-response SLA timers of a tenant's conversations.
//
// A conversation that opens in a queue with first_response_sla_ms > 0 gets a
// target, first_response_due_at = created_at + that. Until its first reply,
// one sla.warning frame is written at 80% of the target and one sla.breached
// frame at 100%, while it is open: a resolve pauses the clock and a reopen of
// a still unanswered conversation resumes it (a target passed meanwhile
// breaches at once). The stage reached is kept on the conversation, so a
// restart neither repeats a frame nor loses one that fell due while the
// daemon was down (it is written at the first advance()).
// Frames reach the conversation's operator (owner or offer holder) and admins.
#include "proto/json_writer.h"
#include "proto/time.h"
#include "proto/views.h"
#include "router/tenant_state.h"

namespace sb::router {

using proto::Change;
using proto::SlaStage;
using proto::TimeMs;

namespace {

TimeMs warning_at(TimeMs created_at, TimeMs due_at) {
  return created_at + (due_at - created_at) * 4 / 5;
}

}  // namespace

std::optional<TimeMs> TenantState::next_deadline() const {
  auto d = dispatcher_.next_deadline();
  if (!sla_timers_.empty() && (!d || sla_timers_.top().at < *d)) d = sla_timers_.top().at;
  return d;
}

void TenantState::start_sla(proto::Conversation& conv, TimeMs now) {
  const auto* q = dispatcher_.queue(conv.queue);
  if (q == nullptr || q->first_response_sla_ms <= 0 || conv.first_response_at != 0) return;
  conv.first_response_due_at = now + q->first_response_sla_ms;
  conv.sla_stage = SlaStage::kNone;
  const auto seq = seq_of_id(conv.id, "cv");
  sla_timers_.push({warning_at(conv.created_at, conv.first_response_due_at), seq});
}

void TenantState::rearm_sla(std::uint64_t seq, const PackedConversation& row) {
  if (row.first_response_due_at == 0 || row.first_response_at != 0 ||
      row.status == proto::ConversationStatus::kResolved || row.sla_stage == SlaStage::kBreached) {
    return;
  }
  const auto at = row.sla_stage == SlaStage::kWarned
                      ? row.first_response_due_at
                      : warning_at(row.created_at, row.first_response_due_at);
  sla_timers_.push({at, seq});
}

void TenantState::restore_sla_timers() {
  conversations_.for_each(
      [&](std::uint64_t seq, const PackedConversation& row) { rearm_sla(seq, row); });
}

void TenantState::fire_sla(TimeMs now, std::vector<Change>& out) {
  while (!sla_timers_.empty() && sla_timers_.top().at <= now) {
    const auto seq = sla_timers_.top().seq;
    sla_timers_.pop();
    auto conv = conversations_.get(seq);
    if (!conv || conv->first_response_due_at == 0 || conv->first_response_at != 0 ||
        conv->status == proto::ConversationStatus::kResolved ||
        conv->sla_stage == SlaStage::kBreached) {
      continue;  // answered, resolved, or done
    }
    const auto due = conv->first_response_due_at;
    const auto warn = warning_at(conv->created_at, due);
    std::string_view type;
    if (now >= due) {
      conv->sla_stage = SlaStage::kBreached;
      type = "sla.breached";
    } else if (now >= warn && conv->sla_stage == SlaStage::kNone) {
      conv->sla_stage = SlaStage::kWarned;
      type = "sla.warning";
      sla_timers_.push({due, seq});
    } else {
      sla_timers_.push({conv->sla_stage == SlaStage::kNone ? warn : due, seq});
      continue;
    }
    proto::LogEntry entry;
    entry.seq = next_seq();
    proto::JsonWriter w(entry.json);
    w.begin_object()
        .field("seq", entry.seq)
        .field("type", type)
        .field("at", proto::rfc3339_text(now).view());
    w.key("conversation");
    proto::write_public(w, tenant_, *conv, contact_name(conv->contact_id));
    w.key("sla").begin_object().field("metric", "first_response");
    w.field("due_at", proto::rfc3339_text(due).view())
        .field("target_s", (due - conv->created_at) / 1000);
    w.end_object().end_object();
    out.emplace_back(std::move(entry));
    conversations_.put(*conv);
    out.emplace_back(std::move(*conv));
  }
}

}  // namespace sb::router
