"""ses-tenants benchmarks (issue 7): ratios measured side by side in one run, PASS/FAIL per target.

Run ``python -m bench`` (``make bench``) or ``python -m bench --quick`` (``make bench-quick``); see
:mod:`bench.__main__` for the options and ``bench/RESULTS.md`` for recorded results.

Sections: ``synth`` (template size and synth time vs N, native ``AWS::SES::Tenant`` baseline), ``plan``
(``tenantctl plan`` / ``validate`` vs PyYAML's C loader), ``calls`` (API calls per deploy counted at the local
endpoint, with the independently computed minimum, and the handler's peak memory), ``throughput`` (provisioning
against a rate-limited local endpoint).
"""
