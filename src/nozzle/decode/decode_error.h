// Why a firehose frame could not be decoded. Shared by the v1 (protobuf) and v2 (JSON) decoders.
//
// A DecodeError is a plain value that costs no allocation: every name it holds points at static
// text. to_string() renders it for a log line ("truncated varint in field 3 of LogMessage at
// byte 17", "LogMessage missing required field 'message'").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nozzle {

enum class DecodeErrorKind : std::uint8_t {
  // Protobuf wire format (v1).
  TruncatedVarint,      // the input ends inside a varint
  OverlongVarint,       // more than 10 bytes, or a 10th byte over 1
  TruncatedFixed,       // the input ends inside a fixed32/fixed64 value
  LengthPastEnd,        // a length-delimited field runs past its enclosing message
  InvalidFieldNumber,   // field number 0 or above 2^29-1
  InvalidWireType,      // wire type 6 or 7
  WrongWireType,        // a known field arrived with another wire type than its declaration
  UnbalancedGroup,      // end-group without start, or a start-group never closed
  TooDeep,              // groups nested past the decoder's limit
  MissingField,         // a proto2 required field is absent
  BadEnumValue,         // an enum number the decoder cannot map (eventType, message_type)
  // JSON (v2).
  InvalidJson,          // the batch is not well-formed JSON; `field` holds the parser's reason
  NotABatch,            // the JSON root is not an object
  WrongJsonType,        // a known key holds a value of the wrong JSON type
  BadNumber,            // a number (or a numeric string) out of range or not a number
  BadBase64,            // bytes that are not base64
  BadEnumName,          // an enum name the schema does not have
  TwoMessages,          // more than one member of a oneof is set
  NoMessage,            // none of log, counter, gauge, timer, event is set
};

struct DecodeError {
  DecodeErrorKind kind = DecodeErrorKind::InvalidJson;
  std::string_view message;        // the message being decoded: "Envelope", "LogMessage", ...
  std::string_view field;          // the field's name when known, else empty
  std::uint32_t field_number = 0;  // protobuf field number (0 when not applicable)
  std::uint64_t value = 0;         // the offending number for BadEnumValue
  std::size_t offset = 0;          // byte offset into the input where the problem was found

  [[nodiscard]] std::string to_string() const;
};

std::string_view decode_error_kind_name(DecodeErrorKind kind);

}  // namespace nozzle
