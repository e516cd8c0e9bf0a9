"""Simulated MRZ line readers: a serial reader on a real pseudo-terminal and a USB HID reader behind
pyusb's backend interface, with the faults desks see (docs/line-readers.md)."""
