#include "adapters/front/replaying_stream.h"

namespace sb::adapters {

namespace {
constexpr std::size_t kReplayChunk = 512;
// Live frames held while a replay runs, and frames posted but not yet handled:
// past these the consumer is too slow, and is told to resume with ?since=.
constexpr std::size_t kMaxHeldFrames = 20000;
}  // namespace

ReplayingStream::ReplayingStream(std::string tenant, std::optional<std::uint64_t> since,
                                 StreamHub& hub, BlockingPool& pool)
    : tenant_(std::move(tenant)), since_(since), hub_(hub), pool_(pool) {}

void ReplayingStream::start(std::shared_ptr<http::StreamSink> sink) {
  sink_ = std::move(sink);
  on_started();
  hub_.subscribe(tenant_, shared_from_this());  // before reading stored frames: no gap
  const auto last = hub_.last_seq(tenant_);
  if (since_) {
    replaying_ = true;
    read_after_ = *since_;
    sink_->send(*since_, hello(last));
    read_more();
  } else {
    read_after_ = last;
    sink_->send(last, hello(last));
  }
}

void ReplayingStream::close(const std::string& reason) {
  if (sink_) sink_->close(reason);
}

void ReplayingStream::on_client_message(const std::string& text) {
  if (text.find("\"ping\"") != std::string::npos && sink_) {
    sink_->send(read_after_, R"({"type":"pong"})");
  }
}

void ReplayingStream::stop() {
  stopped_ = true;
  hub_.unsubscribe(tenant_, this);
  on_stopped();
}

void ReplayingStream::deliver(const std::shared_ptr<const Frame>& frame) {
  if (!sink_ || !concerns(*frame)) return;
  if (in_flight_.fetch_add(1, std::memory_order_acq_rel) > kMaxHeldFrames) {
    in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    sink_->close("slow consumer: too many frames queued; reconnect with ?since=<last seq>");
    return;
  }
  sink_->post([me = shared_from_this(), frame] {
    me->in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    me->on_live(frame);
  });
}

void ReplayingStream::on_live(const std::shared_ptr<const Frame>& f) {
  if (stopped_) return;
  if (replaying_) {
    if (held_.size() >= kMaxHeldFrames) {
      sink_->close("slow consumer: replay too far behind; reconnect with ?since=<last seq>");
      return;
    }
    held_.push_back(f);
    return;
  }
  emit(f->seq, f->json, true);
}

void ReplayingStream::emit(std::uint64_t seq, const std::string& json, bool live) {
  if (seq <= read_after_) return;  // already handled by the replay
  read_after_ = seq;
  if (auto shown = present(seq, json, live)) sink_->send(seq, std::move(*shown));
}

void ReplayingStream::read_more() {
  pool_.run([me = shared_from_this(), after = read_after_] {
    std::vector<proto::LogEntry> entries;
    Status st = me->read(after, kReplayChunk, entries);
    me->sink_->post([me, st, entries = std::move(entries)]() mutable {
      me->on_replayed(st, std::move(entries));
    });
  });
}

void ReplayingStream::on_replayed(const Status& st, std::vector<proto::LogEntry> entries) {
  if (stopped_) return;
  if (!st.is_ok()) {
    sink_->close("replay failed: " + st.message());
    return;
  }
  const bool more = entries.size() == kReplayChunk;
  for (const auto& e : entries) emit(e.seq, e.json, false);
  if (more) return read_more();
  replaying_ = false;
  for (const auto& f : held_) emit(f->seq, f->json, true);
  held_.clear();
}

}  // namespace sb::adapters
