// SPDX-License-Identifier: BSD-2-Clause
// The JSON form of ptx's records in reports (nlohmann to_json, found by ADL): addresses, entries
// and descriptors as "0x..." strings; counts as numbers, or decimal strings past 2^64 - 1; enums
// by their one name table (pagetable/section_policy.h, engine_variant.h, explorer/exploration.h,
// mapping.h).
//   MapOp     {"kind": "map", "ipa": "0x40000000", "level": 3, "descriptor": "0x...7ff"}
//             (an unmap: {"kind": "unmap", ..., "descriptor": "0x0"})
//   Update    {"kind": "PTE", "entry": "0x...", "old": "0x0", "new": "0x..."}, and "step":
//             "set_npt:pte" (pagetable/engine_step.h) when the engine made the write
//   TlbMaintenance  [at, "dsb"], [at, "vmalle1is"] (a TLBI), [at, "ipas2e1is", "0x40000000", 3]
//             (a TLBI by IPA with its TTL level, 0 for none); `at`: the update index it precedes
//   Counts    {"before": N, "after": N, "other": N}
//   Violation {"ipa", "before", "after", "observed", "sequences", "witness": [update indexes],
//              "class": "transient-fault" | "wrong-translation",
//              and in a barrier epoch after the first: "epoch", "epoch_start"}
// (ptx traces use a compact array form of MapOp and Update instead: formats/trace.h.)
#ifndef PTX_FORMATS_JSON_CODEC_H_
#define PTX_FORMATS_JSON_CODEC_H_

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "explorer/exploration.h"
#include "explorer/mapping.h"
#include "pagetable/engine_variant.h"
#include "pagetable/section.h"
#include "pagetable/section_policy.h"

namespace ptx {

std::string hex(uint64_t v);                       // "0x1f"
nlohmann::json count_json(const BigCount& c);      // number, or decimal string past 2^64 - 1

void to_json(nlohmann::json& j, SectionPolicy p);
void to_json(nlohmann::json& j, ExploreMode m);
void to_json(nlohmann::json& j, CompareMode m);
void to_json(nlohmann::json& j, EngineVariant v);
void to_json(nlohmann::json& j, const MapOp& op);
void to_json(nlohmann::json& j, const Update& u);
void to_json(nlohmann::json& j, const TlbMaintenance& m);
void to_json(nlohmann::json& j, const Counts& c);
void to_json(nlohmann::json& j, const Violation& v);

}  // namespace ptx

#endif  // PTX_FORMATS_JSON_CODEC_H_
