// Streaming responses (WebSocket and Server-Sent Events) without Beast in the
// interface. A handler answers a stream route with an HttpResponse whose
// `stream` is set; the server then upgrades the connection (WebSocket when
// the request asked for it, SSE otherwise) and hands the source a sink.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace sb::http {

// The connection side. All methods are thread-safe.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Queues one frame (a JSON text) for the client. Bounded: when the bytes
  // queued and not yet written exceed the connection's limit, the connection
  // is closed with a "slow consumer" reason instead (the client resumes with
  // ?since=). Returns false if the frame was not queued.
  virtual bool send(std::uint64_t seq, std::string json) = 0;
  // Runs `fn` on the connection's I/O thread (serialized with its callbacks).
  virtual void post(std::function<void()> fn) = 0;
  // Closes the connection with a reason (WebSocket close frame / SSE event).
  virtual void close(std::string reason) = 0;
};

// The application side. Methods are called on the connection's I/O thread.
class StreamSource {
 public:
  virtual ~StreamSource() = default;
  virtual void start(std::shared_ptr<StreamSink> sink) = 0;
  // A text message from a WebSocket client.
  virtual void on_client_message(const std::string& /*text*/) {}
  // The connection is gone; called once.
  virtual void stop() = 0;
};

}  // namespace sb::http
