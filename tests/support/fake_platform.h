// FakePlatform: a local stand-in for a platform's HTTP API (Telegram's Bot API
// by default), so that tests point a channel's outbound base_url at it.
//
// HTTP on 127.0.0.1, a free port, its own I/O thread (Beast and OpenSSL are
// included only by fake_platform.cc). With `tls`, it speaks HTTPS with a fresh
// self-signed certificate valid for the name "localhost" only (not for
// 127.0.0.1), whose PEM file is ca_file(): tests of certificate and host name
// verification. Every request is recorded before it is answered.
// Answers come from a script: canned responses consumed in arrival order,
// then the default responder, which by default answers like Telegram's
// sendMessage: 200 {"ok":true,"result":{"message_id":N,...}} with N = 1, 2, ...
// (only default answers take a message_id).
//
// Thread-safety: every method may be called from any thread at any time.
// The destructor stops the server; requests still waiting on a delay are
// dropped (the client sees the connection close).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::test {

struct RecordedRequest {
  std::string method;
  std::string target;                                        // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string body;
  std::string tls_server_name;   // the SNI the client sent (tls only), "" if none
  std::uint64_t connection = 0;  // which accepted connection carried it: 1, 2, ...
  std::string header(std::string_view lower_name) const;  // "" if absent
};

struct CannedResponse {
  CannedResponse(int status_code = 200, std::string body_text = {},
                 std::chrono::milliseconds delay_for = std::chrono::milliseconds(0))
      : status(status_code), body(std::move(body_text)), delay(delay_for) {}
  CannedResponse& with_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  int status = 200;
  std::string body;
  std::chrono::milliseconds delay{0};  // wait this long before answering
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
  bool hang_up = false;  // close the connection instead of answering
  // Answer (keeping the connection alive as the client asked), then close it
  // at once: a server whose idle timeout fired right after the response.
  bool close_after_answer = false;
};

using Responder = std::function<CannedResponse(const RecordedRequest&)>;

struct FakePlatformOptions {
  bool tls = false;
};

class FakePlatform {
 public:
  // Throws std::runtime_error if it cannot listen (a test set-up failure).
  explicit FakePlatform(FakePlatformOptions options = {});
  ~FakePlatform();
  FakePlatform(const FakePlatform&) = delete;
  FakePlatform& operator=(const FakePlatform&) = delete;

  std::uint16_t port() const;
  // "http://127.0.0.1:<port>" (or "https://localhost:<port>"), no trailing slash.
  std::string base_url() const;
  // tls: the PEM file of the server's self-signed certificate, to trust it.
  std::string ca_file() const;

  // Appends to the queue of canned responses.
  void script(std::vector<CannedResponse> responses);
  // Replaces the default responder (used once the script is exhausted).
  void set_default(Responder responder);

  std::vector<RecordedRequest> requests() const;
  // Requests whose target contains `path_substring`.
  std::size_t count(std::string_view path_substring) const;
  // True once at least `n` requests arrived; false if `max` passed first.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds max) const;
  // Connections accepted so far, and those the fake has closed.
  std::size_t connections_accepted() const;
  std::size_t connections_closed() const;

  struct Impl;  // defined in fake_platform.cc

 private:
  std::unique_ptr<Impl> impl_;
};

// The default answer: Telegram's sendMessage success, echoing the request's
// chat_id and text.
CannedResponse telegram_send_message_ok(const RecordedRequest& req, std::int64_t message_id);

}  // namespace sb::test
