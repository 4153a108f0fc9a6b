#include "adapters/channel.h"

#include <charconv>

namespace sb::adapters {

DeliveryResult delivery(DeliveryResult::Kind kind, int http_status, std::string error) {
  DeliveryResult d;
  d.kind = kind;
  d.http_status = http_status;
  d.error = std::move(error);
  return d;
}

DeliveryResult transport_failure(const Status& st) {
  return delivery(st.code() == Code::kUnavailable ? DeliveryResult::Kind::kRetry
                                                  : DeliveryResult::Kind::kFailed,
                  0, st.message());
}

std::optional<std::int64_t> retry_after_header(const outbound::OutboundResponse& res) {
  const std::string v = res.header("retry-after");
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return n;
}

std::string base_url(const proto::ChannelConfig& cfg, std::string_view platform_default) {
  std::string_view base = cfg.outbound_base_url;
  if (base.empty()) base = platform_default;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base);
}

std::string body_excerpt(std::string_view body) {
  std::string out(body.substr(0, 120));
  for (auto& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return body.size() > out.size() ? out + "..." : out;
}

std::optional<outbound::OutboundRequest> ChannelAdapter::build_send(const proto::ChannelConfig&,
                                                                    const std::string&,
                                                                    const std::string&) const {
  return std::nullopt;
}

DeliveryResult ChannelAdapter::interpret_send(const Result<outbound::OutboundResponse>&) const {
  DeliveryResult r;
  r.kind = DeliveryResult::Kind::kFailed;
  r.error = "this channel type cannot send replies";
  return r;
}

}  // namespace sb::adapters
