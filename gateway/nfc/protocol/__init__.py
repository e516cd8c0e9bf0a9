"""The protocols of Doc 9303 Part 11 on the reader side, each a sans-IO state machine named as the
standard names it: `bac` (Basic Access Control), `pace` (PACE), `secure_messaging`, `chip_authentication`,
`active_authentication`; `steps` is the contract by which the last two run inside a chip read."""
