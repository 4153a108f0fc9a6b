#include "proto/model.h"

namespace sb::proto {

std::string_view to_string(ConversationStatus s) {
  switch (s) {
    case ConversationStatus::kQueued:
      return "queued";
    case ConversationStatus::kOffered:
      return "offered";
    case ConversationStatus::kAssigned:
      return "assigned";
    case ConversationStatus::kResolved:
      return "resolved";
  }
  return "queued";
}

std::string_view to_string(Direction d) {
  switch (d) {
    case Direction::kIn:
      return "in";
    case Direction::kOut:
      return "out";
    case Direction::kNote:
      return "note";
  }
  return "in";
}

std::string_view to_string(EventKind k) {
  switch (k) {
    case EventKind::kMessage:
      return "message";
    case EventKind::kEdit:
      return "edit";
    case EventKind::kCallback:
      return "callback";
  }
  return "message";
}

std::string_view to_string(SlaStage s) {
  switch (s) {
    case SlaStage::kNone:
      return "none";
    case SlaStage::kWarned:
      return "warned";
    case SlaStage::kBreached:
      return "breached";
  }
  return "none";
}

}  // namespace sb::proto
