// SPDX-License-Identifier: BSD-2-Clause
// EngineStep: which step of ptx's own engine (engine.h, engine_variant.h) made a page-table write.
// It is the write's code location, as the `src` of a casemate record or a Recorder call is for
// other code: bug signatures (report/signature.h) name a witness's writes by it, and ptx traces
// carry it (formats/trace.h), so `ptx run` and `ptx check` of its ptx trace name a bug alike. (A
// casemate export, armcheck/engine_export.h, cannot: a casemate src is "FILE:LINE"; its writes'
// src "engine:SEQ" is the location "engine".)
//
//   set_npt:pgd, set_npt:pud, set_npt:pmd   set_npt links a fresh table below an empty entry of
//                                          that level (SPEC §4: walk_pgd / walk_pud / walk_pmd)
//   set_npt:pte, set_npt:block             set_npt's leaf write: a 4 KiB page or a 2 MiB block
//   set_npt:break, set_npt:make            bbm: the leaf written 0 (break), then the new value (make)
//   set_npt:attributes-first               two-step-update: the old output with the new attributes
//   set_npt:output-second                  two-step-update: then the new output
//   set_npt:clear-reused                   dirty-reuse: a stale entry of a reused table written 0
//                                          after the table was linked
//   clear_npt:pte, clear_npt:block          clear_npt of a page or of a 2 MiB block
//   clear_npt:range                        clear_npt of a table-mapped 2 MiB range: each PTE
//   clear_npt:unlink                       dirty-reuse: clear_npt unlinks the level-3 table instead
// kNone (name "") for writes that do not come from the engine (Arm traces, hand-made sections).
#ifndef PTX_PAGETABLE_ENGINE_STEP_H_
#define PTX_PAGETABLE_ENGINE_STEP_H_

#include <cstdint>
#include <string_view>

#include "base/enum_names.h"

namespace ptx {

enum class EngineStep : uint8_t {
  kNone,
  kSetNptPgd, kSetNptPud, kSetNptPmd, kSetNptPte, kSetNptBlock,
  kSetNptBreak, kSetNptMake, kSetNptAttributesFirst, kSetNptOutputSecond, kSetNptClearReused,
  kClearNptPte, kClearNptBlock, kClearNptRange, kClearNptUnlink,
};

inline constexpr EnumNames<EngineStep, 15> kEngineStepNames{{
    {EngineStep::kNone, ""},
    {EngineStep::kSetNptPgd, "set_npt:pgd"},
    {EngineStep::kSetNptPud, "set_npt:pud"},
    {EngineStep::kSetNptPmd, "set_npt:pmd"},
    {EngineStep::kSetNptPte, "set_npt:pte"},
    {EngineStep::kSetNptBlock, "set_npt:block"},
    {EngineStep::kSetNptBreak, "set_npt:break"},
    {EngineStep::kSetNptMake, "set_npt:make"},
    {EngineStep::kSetNptAttributesFirst, "set_npt:attributes-first"},
    {EngineStep::kSetNptOutputSecond, "set_npt:output-second"},
    {EngineStep::kSetNptClearReused, "set_npt:clear-reused"},
    {EngineStep::kClearNptPte, "clear_npt:pte"},
    {EngineStep::kClearNptBlock, "clear_npt:block"},
    {EngineStep::kClearNptRange, "clear_npt:range"},
    {EngineStep::kClearNptUnlink, "clear_npt:unlink"},
}};

// The step's name above ("" for kNone).
constexpr std::string_view engine_step_name(EngineStep s) { return enum_name(kEngineStepNames, s); }

// The link step of set_npt at table level 0..2 (set_npt:pgd, :pud, :pmd). REQUIRES: 0 <= level <= 2.
constexpr EngineStep set_npt_link_step(int level) {
  return static_cast<EngineStep>(static_cast<int>(EngineStep::kSetNptPgd) + level);
}

}  // namespace ptx

#endif  // PTX_PAGETABLE_ENGINE_STEP_H_
