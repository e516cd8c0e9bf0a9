"""One simulated clearing desk: the document reader's scanner (white/IR/UV through SANE's net
backend), its contactless chip (a virtual eMRTD on a vpcd reader slot) and, optionally, the MRZ
line reader, all serving the same document — or a forgery of it (`simulators.desk.desk`)."""
