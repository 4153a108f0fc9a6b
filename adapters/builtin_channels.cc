// The one list of built-in channels. Adding a channel: a folder under
// adapters/ with its adapter, and one line here.
#include "adapters/api/api_channel.h"
#include "adapters/channel.h"
#include "adapters/email/email_channel.h"
#include "adapters/meta/messenger_channel.h"
#include "adapters/meta/whatsapp_channel.h"
#include "adapters/telegram/telegram_channel.h"
#include "adapters/viber/viber_channel.h"
#include "adapters/webchat/webchat_channel.h"

namespace sb::adapters {

namespace {
// One line per channel: adding one touches one line (kept so by hand).
// clang-format off
const ChannelAdapter* const kBuiltinChannels[] = {
    &telegram_channel(),
    &api_channel(),
    &whatsapp_channel(),
    &messenger_channel(),
    &instagram_channel(),
    &viber_channel(),
    &email_channel(),
    &webchat_channel(),
};
// clang-format on
}  // namespace

const ChannelAdapter* find_channel(std::string_view type) {
  for (const auto* c : kBuiltinChannels) {
    if (c->type() == type) return c;
  }
  return nullptr;
}

Status validate_channel(const proto::ChannelConfig& cfg) {
  const auto* adapter = find_channel(cfg.type);
  if (adapter == nullptr) {
    std::string known;
    for (const auto* c : kBuiltinChannels)
      known += (known.empty() ? "" : ", ") + std::string(c->type());
    return Status::invalid("unknown channel type '" + cfg.type + "'; built in: " + known);
  }
  return adapter->validate(cfg);
}

std::vector<std::string_view> channel_types() {
  std::vector<std::string_view> out;
  for (const auto* c : kBuiltinChannels) out.push_back(c->type());
  return out;
}

}  // namespace sb::adapters
