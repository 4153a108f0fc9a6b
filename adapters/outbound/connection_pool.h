// ConnectionPool: the HttpClient's idle keep-alive connections, per origin
// ("http://host:port" or "https://host:port"). Included only by
// http_client.cc (it needs Beast's stream types).
//
// Why: replies go to a handful of platform APIs. A new TCP connection per
// reply cost the sb-http-out thread ~180 us of CPU per delivery on loopback
// (socket, connect, close and their wake-ups; docs/performance-history.md, session 8);
// over HTTPS each also costs a TLS handshake (a round trip or two and around
// a millisecond of CPU for the key exchange and the chain's verification).
//
// A connection goes back to the pool only when its response was complete
// and both sides kept it alive. It is handed out again only if it idled less
// than its limit and its socket has nothing to read: a peer that closed it
// shows end-of-file, one that sent something unasked (a 408, a TLS alert)
// shows data; both are closed instead. A peer can still close a connection
// while a request is being written on it; the client then resends the
// request on a new connection only if that is safe (http_client.h).
//
// Client thread only: no locking.
#pragma once

#include <sys/socket.h>

#include <algorithm>
#include <boost/beast/core/stream_traits.hpp>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <string>

namespace sb::outbound {

template <class Stream>
class ConnectionPool {
 public:
  using Clock = std::chrono::steady_clock;

  ConnectionPool(std::size_t max_per_origin, Clock::duration max_idle)
      : max_per_origin_(max_per_origin), max_idle_(max_idle) {}

  // An idle connection to `origin` that is still usable, or nullptr. The
  // newest first: it is the least likely to have been closed by the peer.
  std::unique_ptr<Stream> take(const std::string& origin, Clock::time_point now) {
    prune(now);
    auto it = idle_.find(origin);
    if (it == idle_.end()) return nullptr;
    auto& list = it->second;
    std::unique_ptr<Stream> found;
    while (!list.empty() && !found) {
      Entry e = std::move(list.back());
      list.pop_back();
      if (quiet(*e.stream)) found = std::move(e.stream);
      // else: dropped here, which closes it
    }
    if (list.empty()) idle_.erase(it);
    return found;
  }

  // Keeps `stream` for the next request to `origin`, for at most `max_idle`
  // (capped at the pool's own; e.g. shorter when the server said
  // `Keep-Alive: timeout=`); closes it instead if the origin already has
  // max_per_origin idle ones. Expired connections of every origin are closed
  // on the way, here and in take().
  void put(const std::string& origin, std::unique_ptr<Stream> stream, Clock::time_point now,
           Clock::duration max_idle) {
    prune(now);
    auto& list = idle_[origin];
    if (list.size() >= max_per_origin_) return;
    list.push_back(Entry{std::move(stream), now + std::min(max_idle, max_idle_)});
  }

  void clear() { idle_.clear(); }

  std::size_t idle() const {
    std::size_t n = 0;
    for (const auto& [origin, list] : idle_) n += list.size();
    return n;
  }

 private:
  struct Entry {
    std::unique_ptr<Stream> stream;
    Clock::time_point expires;
  };

  // Nothing to read and not closed: a non-blocking peek would block.
  static bool quiet(Stream& s) {
    auto& socket = boost::beast::get_lowest_layer(s).socket();
    if (!socket.is_open()) return false;
    char byte = 0;
    const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  void prune(Clock::time_point now) {
    for (auto it = idle_.begin(); it != idle_.end();) {
      auto& list = it->second;
      std::erase_if(list, [now](const Entry& e) { return now >= e.expires; });
      it = list.empty() ? idle_.erase(it) : std::next(it);
    }
  }

  std::size_t max_per_origin_;
  Clock::duration max_idle_;
  std::map<std::string, std::deque<Entry>> idle_;
};

}  // namespace sb::outbound
