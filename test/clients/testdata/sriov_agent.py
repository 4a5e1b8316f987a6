#!/usr/bin/python3
"""networking-powervm's SR-IOV agent, unmodified, against pvmd.

Run by test/clients (sriov_test.go) against a fresh pvmd; see harness.py.
The agent logs on locally and reports the physical networks of the SR-IOV
physical ports (their labels) to Neutron, and marks up the ports of the
vNICs it finds. Neutron's server side is faked as in sea_agent.py.
"""

import json
import sys
import threading
import uuid as uuidlib

import harness
import shims


class Neutron(object):
    """Neutron's server, as the agent reaches it over RPC."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ports = {}
        self.up, self.down = [], []
        self.states = []

    def add_port(self, mac, vlan, physnet):
        port_id = str(uuidlib.uuid4())
        with self.lock:
            self.ports[mac] = {
                'device': port_id, 'port_id': port_id, 'mac_address': mac,
                'physical_network': physnet, 'segmentation_id': vlan,
                'network_type': 'vlan', 'admin_state_up': True}
        return port_id

    def detail(self, mac):
        with self.lock:
            return dict(self.ports.get(mac, {'device': mac}))

    def mappings(self):
        with self.lock:
            if not self.states:
                return {}
            return self.states[-1]['configurations']['bridge_mappings']


NEUTRON = Neutron()


class PluginApi(object):
    def __init__(self, topic):
        pass

    def get_device_details(self, context, device, agent_id, host=None):
        return NEUTRON.detail(device)

    def get_devices_details_list(self, context, devices, agent_id,
                                 host=None):
        return [NEUTRON.detail(d) for d in devices]

    def update_device_up(self, context, device, agent_id, host=None):
        with NEUTRON.lock:
            NEUTRON.up.append(device)

    def update_device_down(self, context, device, agent_id, host=None):
        with NEUTRON.lock:
            NEUTRON.down.append(device)


class ReportStateAPI(object):
    def __init__(self, topic):
        pass

    def report_state(self, context, agent_state, use_call=False):
        with NEUTRON.lock:
            NEUTRON.states.append(json.loads(json.dumps(agent_state)))


def main():
    h = harness.Scenario('networking-powervm SR-IOV agent')
    step, check = h.step, harness.check
    h.session_config()
    st = h.state

    shims.neutron_common_config()
    from oslo_config import cfg
    from neutron.agent import rpc as agent_rpc
    from networking_powervm.plugins.ibm.agent.powervm import agent_base
    from networking_powervm.plugins.ibm.agent.powervm import prov_req
    from networking_powervm.plugins.ibm.agent.powervm import sriov_agent
    cfg.CONF([], project='neutron', default_config_files=[])
    cfg.CONF.set_override('host', 'novalink-test')
    cfg.CONF.set_override('report_interval', 0, group='AGENT')
    cfg.CONF.set_override('heal_and_optimize_interval', 3600, group='AGENT')
    agent_base.PVMPluginApi = PluginApi
    agent_rpc.PluginReportStateAPI = ReportStateAPI
    agent_rpc.create_consumers = lambda *args, **kwargs: None

    from pypowervm import util as pvm_util
    from pypowervm.tasks import sriov
    from pypowervm.wrappers import event as pvm_evt
    from pypowervm.wrappers import iocard
    from pypowervm.wrappers import logical_partition as pvm_lpar
    from pypowervm.wrappers import managed_system as pvm_ms

    a = h.adapter()

    def norm(mac):
        mac = mac.lower().replace(':', '')
        return ':'.join(mac[i:i + 2] for i in range(0, 12, 2))

    def start():
        st['agent'] = sriov_agent.SRIOVNeutronAgent()
        bm = st['agent'].br_map
        check(list(bm) == ['default'] and len(bm['default']) == 8,
              'bridge mappings %s' % bm)
    step('the SR-IOV agent starts: every unlabelled port is on physnet '
         'default', start)

    def vnic(lpar_name, vlan, physnet):
        lp = pvm_lpar.LPAR.search(a, name=lpar_name)[0]
        sys_w = pvm_ms.System.get(a)[0]
        v = iocard.VNIC.bld(a, pvid=vlan, allowed_vlans=pvm_util.VLANList.NONE)
        pports = [p.loc_code for p in
                  sriov.find_pports_for_portlabel(physnet, a, sys_w)]
        sriov.set_vnic_back_devs(v, pports, sys_w=sys_w, redundancy=1)
        v = v.create(parent=lp)
        port = NEUTRON.add_port(norm(v.mac), vlan, physnet)
        return lp, v, port

    def heal():
        st['first'] = vnic('lpar10', 2001, 'default')
        st['agent'].heal_and_optimize()
        check(st['first'][2] in NEUTRON.up, 'the vNIC\'s port was not '
              'marked up: %s' % NEUTRON.up)
        check(NEUTRON.mappings() and 'default' in NEUTRON.mappings(),
              'reported mappings %s' % NEUTRON.mappings())
    step('heal_and_optimize marks the vNICs\' ports up and reports the '
         'mappings', heal)

    def relabel():
        t = threading.Thread(target=st['agent'].rpc_loop, daemon=True)
        t.start()

        def change(sys_w):
            for ad in sys_w.asio_config.sriov_adapters:
                for pp in ad.phys_ports:
                    if pp.port_id == 0:
                        pp.label = 'physnet2'
            return True
        sriov.safe_update_pports(pvm_ms.System.get(a)[0], change)
        # The change is an event (SRIOVPhysicalPort.ConfigChange): the
        # agent heals and reports the new mappings.
        harness.wait_for('physnet2 reported to Neutron', lambda: len(
            NEUTRON.mappings().get('physnet2', [])) == 2, timeout=30)
        check(len(NEUTRON.mappings()['default']) == 6,
              'mappings %s' % NEUTRON.mappings())
    step('a port label change reaches Neutron through the event', relabel)

    def plug_event():
        lp, v, port = vnic('lpar11', 2002, 'physnet2')
        detail = json.dumps(dict(provider='NOVA_PVM_VIF', action='plug',
                                 mac=v.mac, type='pvm_sriov'))
        pvm_evt.Event.bld(a, v.href, detail).create()
        harness.wait_for('the vNIC port up after the plug event',
                         lambda: port in NEUTRON.up, timeout=30)
    step('a plug event from nova marks the vNIC\'s port up', plug_event,
         needs=['a port label change reaches Neutron through the event'])

    def provision():
        lp, v, port = vnic('lpar12', 2003, 'default')
        req = prov_req.ProvisionRequest(prov_req.PLUG, NEUTRON.detail(
            norm(v.mac)), lp.uuid)
        st['agent'].provision_devices({req})
        check(port in NEUTRON.up, 'the port was not marked up')
    step('provision_devices marks a plugged vNIC\'s port up', provision)

    return h.finish()


if __name__ == '__main__':
    sys.exit(main())
