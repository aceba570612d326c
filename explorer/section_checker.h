// SectionChecker: explores a stream of completed critical sections of many VMs, as `ptx run`
// and `ptx check` do.
//
// It keeps a shadow NptImage of each VM (vmids 0..16), built only from the sections it is given:
// each section is explored against its VM's shadow (the state before the section) and then
// applied to it. Because the shadow is rebuilt from updates alone, a live run and an offline replay
// of a recorded trace explore identical states and reach identical verdicts.
#ifndef PTX_EXPLORER_SECTION_CHECKER_H_
#define PTX_EXPLORER_SECTION_CHECKER_H_

#include <array>
#include <functional>
#include <memory>

#include "base/status.h"
#include "explorer/exploration.h"
#include "pagetable/constants.h"
#include "pagetable/npt_image.h"
#include "pagetable/section.h"

namespace ptx {

class SectionChecker {
 public:
  explicit SectionChecker(ExploreOptions options = {});

  // Explores `s` against the shadow of s.vmid (with options.mode's checker), then applies
  // s.updates to that shadow. Targets are the ops' IPAs (Exploration::targets[i] belongs to
  // s.ops[i]).
  // Errors (kBadInput, the shadow unchanged and *out untouched): invalid vmid; an op that breaks
  // check_map_op; an update whose entry is outside the VM's pools or whose old value is not the
  // shadow's current value (a trace out of lock order or corrupted); a seq not above the previous
  // section's of that VM (out of lock order; gaps are allowed, e.g. for sections that wrote
  // nothing); a section options.check() refuses (faithful mode past kFaithfulMaxUpdates).
  // Thread safety: sections of different VMs may be checked concurrently; sections of one VM must
  // be given one at a time, in seq order.
  Status check(const Section& s, Exploration* out);

  const NptImage& shadow(uint32_t vmid) const { return *shadows_[vmid]; }
  const ExploreOptions& options() const { return options_; }

  // Called by check(), when set, for every section with a violation, after exploring it and
  // before applying it: `before` is the VM's state before the section. Runs on the caller's
  // thread (so concurrently for different VMs).
  using ViolationHook = std::function<void(const NptImage& before, const Section&, const Exploration&)>;
  void set_violation_hook(ViolationHook hook) { hook_ = std::move(hook); }

 private:
  Status check_fits(const Section& s) const;

  ExploreOptions options_;
  std::array<std::unique_ptr<NptImage>, kVmCount> shadows_;
  std::array<uint64_t, kVmCount> next_seq_{};  // lowest seq the next section of each VM may have
  ViolationHook hook_;
};

}  // namespace ptx

#endif  // PTX_EXPLORER_SECTION_CHECKER_H_
