// ReplayingStream: what every stream connection does between the hub, the
// stored log and the client. It subscribes to the tenant's frames before it
// reads anything stored, replays from `since` on the blocking pool, holds the
// live frames that arrive meanwhile, and then sends them, each seq at most
// once and in order: no gap, no duplicate. A client that falls behind (too
// many frames held or queued) is closed with a reason and resumes with
// ?since=. Subclasses say which frames concern the client, where its replay
// reads, and what it is shown of a frame: the operator and admin stream
// (stream_api.cc) and a website chat visitor's (webchat_api.cc).
//
// Thread-safety: deliver() runs on shard (committer) threads and only
// filters and posts; everything else runs on the connection's I/O thread,
// except read(), which runs on the blocking pool.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/blocking_pool.h"
#include "adapters/http/stream.h"
#include "adapters/stream/hub.h"
#include "proto/change.h"
#include "proto/status.h"

namespace sb::adapters {

class ReplayingStream : public http::StreamSource,
                        public StreamSubscriber,
                        public std::enable_shared_from_this<ReplayingStream> {
 public:
  void start(std::shared_ptr<http::StreamSink> sink) final;
  void stop() final;
  void deliver(const std::shared_ptr<const Frame>& frame) final;
  void close(const std::string& reason) final;
  // Application-level heartbeat for clients that cannot see WebSocket pings.
  void on_client_message(const std::string& text) final;

 protected:
  // `since`: replay what follows it; none: start live at the hub's last seq.
  ReplayingStream(std::string tenant, std::optional<std::uint64_t> since, StreamHub& hub,
                  BlockingPool& pool);

  // Shard thread, must be cheap: whether a live frame may concern the client.
  virtual bool concerns(const Frame& frame) const = 0;
  // Blocking pool: stored entries after `after`, in seq order, at most `limit`.
  virtual Status read(std::uint64_t after, std::size_t limit,
                      std::vector<proto::LogEntry>& out) = 0;
  // What the client is sent for a frame; nullopt: nothing. `live`: the frame
  // passed concerns(); a replayed one did not go through it.
  virtual std::optional<std::string> present(std::uint64_t seq, const std::string& json,
                                             bool live) = 0;
  // The first frame, sent at `seq` (the replay's start, or the hub's last seq).
  virtual std::string hello(std::uint64_t last_seq) const = 0;
  virtual void on_started() {}
  virtual void on_stopped() {}

  const std::string tenant_;

 private:
  void on_live(const std::shared_ptr<const Frame>& f);
  void emit(std::uint64_t seq, const std::string& json, bool live);
  void read_more();
  void on_replayed(const Status& st, std::vector<proto::LogEntry> entries);

  std::optional<std::uint64_t> since_;
  StreamHub& hub_;
  BlockingPool& pool_;
  std::shared_ptr<http::StreamSink> sink_;
  std::atomic<std::size_t> in_flight_{0};  // frames posted to the I/O thread, not yet handled
  // State touched only on the connection's I/O thread.
  bool replaying_ = false;
  bool stopped_ = false;
  std::uint64_t read_after_ = 0;  // highest seq handled (sent, or not the client's)
  std::deque<std::shared_ptr<const Frame>> held_;
};

}  // namespace sb::adapters
