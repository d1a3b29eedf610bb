"""ORE's Python harness: the local pipeline, the canary, the cold-start benchmark and the template
tests share these modules. One job each:

- `template`: what template.yaml says (the function table, queues, rules, parameters); the only
  owner of those facts on the Python side;
- `emulator`: the AWS API emulator's clients and helpers (queues, topic taps, recorded mail);
- `lambda_rie`: a function binary under the Lambda Runtime Interface Emulator, as a context manager;
- `stack`: the stack and the event sources AWS runs for us (rule, SNS, SQS event source mappings);
- `scenario`: the operator's day;
- `pipeline`: `scripts/demo.sh`'s entry point;
- `verify`: the canary, against a deployed stack or the emulated one;
- `bench` and `report`: the cold-start benchmark and its pure verdicts (no AWS tooling needed).
"""
