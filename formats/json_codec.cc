// SPDX-License-Identifier: BSD-2-Clause
#include "formats/json_codec.h"

#include <limits>

#include <fmt/format.h>

namespace ptx {

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

void to_json(nlohmann::json& j, const TlbMaintenance& m) {
  if (m.kind == TlbMaintenance::Kind::kDsb) {
    j = {m.at, "dsb"};
  } else if (m.op == TlbiKind::kIpas2e1is) {
    j = {m.at, tlbi_kind_name(m.op), hex(m.ipa), m.level};
  } else {
    j = {m.at, tlbi_kind_name(m.op)};
  }
}

nlohmann::json count_json(const BigCount& c) {
  if (c >= 0 && c <= std::numeric_limits<uint64_t>::max()) return c.convert_to<uint64_t>();
  return to_string(c);
}

void to_json(nlohmann::json& j, SectionPolicy p) { j = std::string(section_policy_name(p)); }
void to_json(nlohmann::json& j, ExploreMode m) { j = std::string(explore_mode_name(m)); }
void to_json(nlohmann::json& j, CompareMode m) { j = std::string(compare_mode_name(m)); }
void to_json(nlohmann::json& j, EngineVariant v) { j = std::string(engine_variant_name(v)); }

void to_json(nlohmann::json& j, const MapOp& op) {
  j = {{"kind", std::string(op_kind_name(op.kind))},
       {"ipa", hex(op.ipa)},
       {"level", op.level},
       {"descriptor", hex(op.descriptor)}};
}

void to_json(nlohmann::json& j, const Update& u) {
  j = {{"kind", std::string(update_kind_name(u.kind))},
       {"entry", hex(u.entry)},
       {"old", hex(u.old_value)},
       {"new", hex(u.new_value)}};
  if (u.step != EngineStep::kNone) j["step"] = std::string(engine_step_name(u.step));
}

void to_json(nlohmann::json& j, const Counts& c) {
  j = {{"before", count_json(c.before.value())},
       {"after", count_json(c.after.value())},
       {"other", count_json(c.other.value())}};
}

void to_json(nlohmann::json& j, const Violation& v) {
  j = {{"ipa", hex(v.ipa)},
       {"before", hex(v.before)},
       {"after", hex(v.after)},
       {"observed", hex(v.observed)},
       {"sequences", count_json(v.sequences)},
       {"witness", v.witness},
       {"class", std::string(violation_class_name(v.cls))}};
  if (v.epoch != 0) {  // a section cut by barriers: replay updates[0, epoch_start), then the witness
    j["epoch"] = v.epoch;
    j["epoch_start"] = v.epoch_start;
  }
}

}  // namespace ptx
