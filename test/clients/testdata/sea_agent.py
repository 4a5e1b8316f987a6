#!/usr/bin/python3
"""networking-powervm's SEA agent, unmodified, against pvmd.

Run by test/clients (networking_test.go) against a fresh pvmd; see
harness.py. The agent logs on locally (Session() with no arguments) and
bridges the VLANs of Neutron's ports on pvmd's network bridge. Neutron's
server side is faked: its RPC answers device details from a table of ports
and records the devices the agent marks up or down. Everything on the
PowerVM side (partitions, adapters, the bridge, events) is pvmd's.
"""

import json
import sys
import threading
import time
import uuid as uuidlib

import harness
import shims

PHYSNET = 'default'


class Neutron(object):
    """Neutron's server, as the agent reaches it over RPC."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ports = {}      # mac (aa:bb:..) -> device detail
        self.up, self.down = [], []
        self.reports = 0

    def add_port(self, mac, vlan):
        port_id = str(uuidlib.uuid4())
        with self.lock:
            self.ports[mac] = {
                'device': port_id, 'port_id': port_id, 'mac_address': mac,
                'physical_network': PHYSNET, 'segmentation_id': vlan,
                'network_type': 'vlan', 'admin_state_up': True}
        return port_id

    def detail(self, mac):
        with self.lock:
            return dict(self.ports.get(mac, {'device': mac}))


NEUTRON = Neutron()


class PluginApi(object):
    """agent_rpc.PluginApi's calls, answered by NEUTRON."""

    def __init__(self, topic):
        self.topic = topic

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
        NEUTRON.reports += 1


def main():
    h = harness.Scenario('networking-powervm SEA agent')
    step, check = h.step, harness.check
    h.session_config()
    st = h.state

    shims.neutron_common_config()
    from oslo_config import cfg
    from neutron.agent import rpc as agent_rpc
    from networking_powervm.plugins.ibm.agent.powervm import agent_base
    from networking_powervm.plugins.ibm.agent.powervm import prov_req
    from networking_powervm.plugins.ibm.agent.powervm import sea_agent
    cfg.CONF([], project='neutron', default_config_files=[])
    cfg.CONF.set_override('host', 'novalink-test')
    cfg.CONF.set_override('report_interval', 0, group='AGENT')
    cfg.CONF.set_override('heal_and_optimize_interval', 3600, group='AGENT')
    # Neutron's RPC, faked.
    agent_base.PVMPluginApi = PluginApi
    agent_rpc.PluginReportStateAPI = ReportStateAPI
    agent_rpc.create_consumers = lambda *args, **kwargs: None

    from pypowervm.tasks import cna as tsk_cna
    from pypowervm.tasks import network_bridger as net_br
    from pypowervm.wrappers import event as pvm_evt
    from pypowervm.wrappers import logical_partition as pvm_lpar
    from pypowervm.wrappers import managed_system as pvm_ms
    from pypowervm.wrappers import network as pvm_net

    a = h.adapter()
    host = pvm_ms.System.get(a)[0].uuid

    def bridge_vlans():
        nbs = pvm_net.NetBridge.get(a, parent_type=pvm_ms.System,
                                    parent_uuid=host)
        return set(v for nb in nbs for v in nb.list_vlans())

    def lpar(name):
        return pvm_lpar.LPAR.search(a, name=name)[0]

    def norm(mac):
        mac = mac.lower().replace(':', '')
        return ':'.join(mac[i:i + 2] for i in range(0, 12, 2))

    def vif(lpar_name, vlan):
        """An adapter on lpar_name on vlan, and Neutron's port for it."""
        lp = lpar(lpar_name)
        cna = tsk_cna.crt_cna(a, host, lp.uuid, vlan)
        port = NEUTRON.add_port(norm(cna.mac), vlan)
        return lp, cna, port

    # A port Neutron knows before the agent starts.
    step('an LPAR with an adapter on VLAN 3001 (a Neutron port)',
         lambda: st.update(first=vif('lpar10', 3001)), needs=[])

    def start():
        st['agent'] = sea_agent.SharedEthernetNeutronAgent()
        check(PHYSNET in st['agent'].br_map, 'bridge mappings %s'
              % st['agent'].br_map)
    step('the SEA agent starts: logon, VIOS ready, bridge mappings', start)

    def heal():
        check(3001 not in bridge_vlans(), 'VLAN 3001 bridged before')
        st['agent'].heal_and_optimize()
        check(3001 in bridge_vlans(), 'VLAN 3001 not on the bridge: %s'
              % sorted(bridge_vlans()))
        check(st['first'][2] in NEUTRON.up, 'the port was not marked up')
    step('heal_and_optimize bridges the VLAN of a port and marks it up',
         heal)

    def cleanup():
        nb = pvm_net.NetBridge.get(a, parent_type=pvm_ms.System,
                                   parent_uuid=host)[0]
        net_br.ensure_vlan_on_nb(a, host, nb.uuid, 3050)
        check(3050 in bridge_vlans(), 'VLAN 3050 was not added')
        st['agent'].heal_and_optimize()
        vl = bridge_vlans()
        check(3050 not in vl, 'the unused VLAN 3050 is still bridged')
        check(3001 in vl, 'VLAN 3001, in use, was removed')
    step('heal_and_optimize removes a VLAN nothing uses', cleanup)

    def provision():
        lp, cna, port = vif('lpar11', 3003)
        req = prov_req.ProvisionRequest(prov_req.PLUG, NEUTRON.detail(
            norm(cna.mac)), lp.uuid)
        st['agent'].provision_devices({req})
        check(3003 in bridge_vlans(), 'VLAN 3003 not bridged')
        check(port in NEUTRON.up, 'the port was not marked up')
    step('provision_devices bridges a plugged port\'s VLAN', provision)

    def push(action, cna):
        # What nova-powervm's VIF driver sends after plugging a VIF.
        detail = json.dumps(dict(provider='NOVA_PVM_VIF', action=action,
                                 mac=cna.mac, type='pvm_sea'))
        pvm_evt.Event.bld(a, cna.href, detail).create()

    def plug_event():
        lp, cna, port = vif('lpar12', 3004)
        st['plugged'] = (lp, cna, port)
        push('plug', cna)
        harness.wait_for('VLAN 3004 bridged after the plug event',
                         lambda: 3004 in bridge_vlans())
        harness.wait_for('the port up after the plug event',
                         lambda: port in NEUTRON.up)
    step('a plug event from nova bridges the VLAN and marks the port up',
         plug_event)

    def unplug_event():
        # nova-powervm deletes the adapter and sends the unplug event; the
        # SEA agent acts on plugs only and leaves the VLAN to its next heal.
        lp, cna, port = st['plugged']
        cna.delete()
        push('unplug', cna)
        time.sleep(1)
        check(3004 in bridge_vlans(), 'VLAN 3004 left the bridge early')
        st['agent'].heal_and_optimize()
        check(3004 not in bridge_vlans(), 'VLAN 3004 of the unplugged VIF '
              'is still bridged after heal_and_optimize')
    step('after an unplug from nova the next heal removes the VLAN',
         unplug_event)

    def loop():
        nb = pvm_net.NetBridge.get(a, parent_type=pvm_ms.System,
                                   parent_uuid=host)[0]
        net_br.ensure_vlan_on_nb(a, host, nb.uuid, 3051)
        t = threading.Thread(target=st['agent'].rpc_loop, daemon=True)
        t.start()
        harness.wait_for('the unused VLAN 3051 removed by rpc_loop',
                         lambda: 3051 not in bridge_vlans(), timeout=30)
        check(t.is_alive(), 'rpc_loop ended')
    step('rpc_loop heals the bridges on its first pass', loop)

    return h.finish()


if __name__ == '__main__':
    sys.exit(main())
