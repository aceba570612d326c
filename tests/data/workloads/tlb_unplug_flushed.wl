# tlb_unplug.wl with the flush the caller's code makes in the unplug's critical section (the tlbi
# and dsb lines join the section of the VM's previous op). Expected with --tlb on: clean for every
# engine but missing-barrier, dirty-reuse included.
map 1 0x40000000 3 0x10000007ff
map 1 0x40001000 3 0x10000017ff
map 1 0x40002000 3 0x10000027ff
unmap 1 0x40000000 2
dsb 1                  # the unlink is visible to every walker
tlbi 1 vmalls12e1is    # every entry of the VMID, walk entries and leaves
dsb 1                  # completes it
