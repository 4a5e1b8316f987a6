#!/usr/bin/python3
"""What pypowervm's event listener hears when the simulator restores a
snapshot: the events of each object a small restore changes, and for one
that changes more than a restore sends one by one (600 partitions), one
CACHE_CLEARED, which pypowervm hands its handlers as 'invalidate
everything'.

Run by test/clients (scenario_test.go) against a fresh pvmd seeded from
testdata/simevents.yaml; see harness.py.
"""

import json
import threading
import time

import requests

import harness


def main():
    h = harness.Scenario('snapshot events with pypowervm')
    step, check = h.step, harness.check

    import pypowervm.adapter as adp
    from pypowervm.wrappers import logical_partition as pvm_lpar

    a = h.adapter()
    st = {}
    base = 'http://localhost:%d/rest/api/sim' % harness.HTTP_PORT

    def sim(method, path, body=None):
        r = requests.request(method, base + path, headers={
            'X-API-Session': a.session._sessToken,
            'Content-Type': 'application/json'},
            data=None if body is None else json.dumps(body))
        check(r.status_code in (200, 201, 204), '%s %s: %s %s' % (
            method, path, r.status_code, r.text))
        return r.json() if r.text.strip() else None

    class Raw(adp.RawEventHandler):
        def __init__(self):
            self.lock = threading.Lock()
            self.events = []

        def process(self, events):
            with self.lock:
                self.events.extend(events)

        def take(self):
            with self.lock:
                out, self.events = self.events, []
            return out

    class Dicts(adp.EventHandler):
        def __init__(self):
            self.lock = threading.Lock()
            self.seen = []

        def process(self, events):
            with self.lock:
                self.seen.append(dict(events))

        def take(self):
            with self.lock:
                out, self.seen = self.seen, []
            return out

    raw, dicts = Raw(), Dicts()

    def setup():
        d = sim('GET', '/Directory')
        st['sys'] = d['system']['uuid']
        st['ids'] = {p['name']: p['uuid'] for p in d['partitions']}
        check(len(st['ids']) == 603, '%d partitions' % len(st['ids']))
        lst = a.session.get_event_listener()
        lst.subscribe(raw)
        lst.subscribe(dicts)
        st['listener'] = lst
    step('600 running partitions; pypowervm\'s event listener subscribed',
         setup)

    def settle(what, pred, timeout=30):
        """Waits for pred over the raw events heard since the last take."""
        heard = []

        def ok():
            heard.extend(raw.take())
            return pred(heard)
        try:
            harness.wait_for(what, ok, timeout=timeout, interval=0.2)
        except harness.CheckFailed:
            raise harness.CheckFailed('%s; heard %s' % (what, [
                (e['EventType'], e['EventData']) for e in heard][:20]))
        return heard

    def small():
        uuid = st['ids']['lpar10']
        sim('PUT', '/Snapshot/small')
        lpar = pvm_lpar.LPAR.get(a, uuid=uuid)
        lpar.mem_config.desired = 512
        lpar.update()
        settle('the update\'s MODIFY_URI', lambda hs: any(
            e['EventType'] == 'MODIFY_URI' and
            (e['EventData'] or '').endswith(uuid) for e in hs))
        dicts.take()
        got = sim('POST', '/Snapshot/small/Restore')
        check(got['events'] == 'objects' and 1 <= got['changed'] <= 5,
              'restore %s' % got)
        heard = settle('the restore\'s MODIFY_URI of lpar10', lambda hs: any(
            e['EventType'] == 'MODIFY_URI' and
            (e['EventData'] or '').endswith('LogicalPartition/' + uuid)
            for e in hs))
        check(not any(e['EventType'] == 'CACHE_CLEARED' for e in heard),
              'a small restore cleared the cache')
        check(pvm_lpar.LPAR.get(a, uuid=uuid).mem_config.desired == 256,
              'memory not restored')
    step('a small restore sends each changed object\'s MODIFY_URI', small)

    def big():
        sim('PUT', '/Snapshot/on')
        sim('PUT', '/ManagedSystem/%s/State' % st['sys'],
            {'state': 'power off'})
        sim('PUT', '/Snapshot/off')
        sim('PUT', '/ManagedSystem/%s/State' % st['sys'],
            {'state': 'operating'})
        lpar = pvm_lpar.LPAR.get(a, uuid=st['ids']['lpar500'])
        check(lpar.state == 'not activated', 'lpar500 %s' % lpar.state)
        raw.take()
        dicts.take()
        got = sim('POST', '/Snapshot/on/Restore')
        check(got['events'] == 'CACHE_CLEARED' and got['changed'] > 500,
              'restore %s' % got)
        settle('CACHE_CLEARED', lambda hs: any(
            e['EventType'] == 'CACHE_CLEARED' for e in hs))
        harness.wait_for('the handlers told to invalidate everything',
                         lambda: any(d.get('general') == 'invalidate'
                                     for d in dicts.seen), timeout=10)
        lpar = pvm_lpar.LPAR.get(a, uuid=st['ids']['lpar500'])
        check(lpar.state == 'running', 'lpar500 %s after the restore'
              % lpar.state)
    step('a restore of 600 partitions sends one CACHE_CLEARED, which '
         'pypowervm hands on as invalidate', big)

    def done():
        st['listener'].shutdown()
    step('the listener shuts down', done)
    return h.finish()


if __name__ == '__main__':
    import sys
    sys.exit(main())
