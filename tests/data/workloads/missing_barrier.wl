# Sections closed without their barrier leave their writes pending during the VM's next section.
# Expected: sekvm none; missing-barrier wrong translations (the page unmapped by the previous
# section still seen) and transient faults (the page mapped by the previous section not yet seen).
map 1 0x40000000 3 0x10000007ff
map 1 0x40001000 3 0x10000017ff   # page 0 may not be visible yet: a transient fault
unmap 1 0x40000000 3              # page 0 ballooned out
map 1 0x40002000 3 0x10000027ff   # page 0 may still be visible: a wrong translation
map 1 0x40000000 3 0x14000007ff   # page 0 faulted back in at a new host page
