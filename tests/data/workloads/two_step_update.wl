# A page first read (mapped read-only to the host's zero page), then written (copy-on-write: mapped
# read/write at a new host page): the remap changes both the output address and the permissions.
# Expected: sekvm none; two-step-update a wrong translation (the zero page made writable).
map 1 0x40000000 3 0x1ffffff077f   # read fault: the zero page, read-only
map 1 0x40001000 3 0x1ffffff077f   # another page reading zeros
map 1 0x40000000 3 0x10000007ff    # write fault: a private page, read/write
map 1 0x40001000 3 0x1ffffff07ff   # only the permissions change: one write
