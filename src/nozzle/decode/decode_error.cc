#include "nozzle/decode/decode_error.h"

#include <fmt/format.h>

namespace nozzle {

std::string_view decode_error_kind_name(DecodeErrorKind kind) {
  switch (kind) {
    case DecodeErrorKind::TruncatedVarint: return "truncated varint";
    case DecodeErrorKind::OverlongVarint: return "overlong varint";
    case DecodeErrorKind::TruncatedFixed: return "truncated fixed-width value";
    case DecodeErrorKind::LengthPastEnd: return "length past the end";
    case DecodeErrorKind::InvalidFieldNumber: return "invalid field number";
    case DecodeErrorKind::InvalidWireType: return "invalid wire type";
    case DecodeErrorKind::WrongWireType: return "wrong wire type";
    case DecodeErrorKind::UnbalancedGroup: return "unbalanced group";
    case DecodeErrorKind::TooDeep: return "nested too deep";
    case DecodeErrorKind::MissingField: return "missing required field";
    case DecodeErrorKind::BadEnumValue: return "unknown enum value";
    case DecodeErrorKind::InvalidJson: return "invalid JSON";
    case DecodeErrorKind::NotABatch: return "not a batch";
    case DecodeErrorKind::WrongJsonType: return "wrong JSON type";
    case DecodeErrorKind::BadNumber: return "bad number";
    case DecodeErrorKind::BadBase64: return "bad base64";
    case DecodeErrorKind::BadEnumName: return "unknown enum name";
    case DecodeErrorKind::TwoMessages: return "more than one message";
    case DecodeErrorKind::NoMessage: return "no message";
  }
  return "unknown decode error";
}

std::string DecodeError::to_string() const {
  const std::string_view what = decode_error_kind_name(kind);
  switch (kind) {
    case DecodeErrorKind::TruncatedVarint:
    case DecodeErrorKind::OverlongVarint:
    case DecodeErrorKind::TruncatedFixed:
      if (field_number == 0) return fmt::format("{} in a field tag of {} at byte {}", what, message, offset);
      return fmt::format("{} in field {} of {} at byte {}", what, field_number, message, offset);
    case DecodeErrorKind::LengthPastEnd:
      return fmt::format("length of field {} of {} runs past the end (byte {})", field_number, message,
                         offset);
    case DecodeErrorKind::InvalidFieldNumber:
      return fmt::format("invalid field number {} in {} at byte {}", value, message, offset);
    case DecodeErrorKind::InvalidWireType:
    case DecodeErrorKind::WrongWireType:
      if (field.empty()) {
        return fmt::format("{} {} in field {} of {} at byte {}", what, value, field_number, message,
                           offset);
      }
      return fmt::format("{} {} for field {} '{}' of {} at byte {}", what, value, field_number, field,
                         message, offset);
    case DecodeErrorKind::UnbalancedGroup:
      return fmt::format("unbalanced group in field {} of {} at byte {}", field_number, message, offset);
    case DecodeErrorKind::TooDeep:
      return fmt::format("groups nested too deep in {} at byte {}", message, offset);
    case DecodeErrorKind::MissingField:
      return fmt::format("{} missing required field '{}'", message, field);
    case DecodeErrorKind::BadEnumValue:
      return fmt::format("{} has unknown {} value {}", message, field, value);
    case DecodeErrorKind::InvalidJson:
      return fmt::format("invalid JSON at byte {}: {}", offset, field);
    case DecodeErrorKind::NotABatch:
      return fmt::format("the JSON root is not an object (byte {})", offset);
    case DecodeErrorKind::WrongJsonType:
    case DecodeErrorKind::BadNumber:
    case DecodeErrorKind::BadBase64:
    case DecodeErrorKind::BadEnumName:
      return fmt::format("{} for '{}' in {} at byte {}", what, field, message, offset);
    case DecodeErrorKind::TwoMessages:
      return fmt::format("{} has more than one of log, counter, gauge, timer, event (byte {})", message,
                         offset);
    case DecodeErrorKind::NoMessage:
      return fmt::format("{} has none of log, counter, gauge, timer, event (byte {})", message, offset);
  }
  return std::string(what);
}

}  // namespace nozzle
