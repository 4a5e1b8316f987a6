#!/usr/bin/python3
"""SR-IOV and vNICs with pypowervm's tasks.sriov and nova-powervm's vNIC
VIF driver (PvmVnicSriovVifDriver), unmodified, against pvmd's default
SR-IOV adapters (two 4-port adapters: ports 0 and 1 at 10 Gb with their
link up, 2 and 3 at 1 Gb, 3's link down).

Run by test/clients (sriov_test.go); see harness.py.
"""

import uuid as uuidlib

import harness
import shims


def main():
    h = harness.Scenario('SR-IOV and vNIC')
    step, check = h.step, harness.check
    h.session_config()
    st = h.state

    import pypowervm.exceptions as pvm_ex
    from pypowervm import util as pvm_util
    from pypowervm.tasks import sriov
    from pypowervm.wrappers import iocard
    from pypowervm.wrappers import logical_partition as pvm_lpar
    from pypowervm.wrappers import managed_system as pvm_ms
    from pypowervm.wrappers import virtual_io_server as pvm_vios

    a = h.adapter()

    def system():
        return pvm_ms.System.get(a)[0]

    def inventory():
        sys_w = system()
        check(sys_w.get_capability('vnic_capable') and
              sys_w.get_capability('vnic_failover_capable'),
              'the system is not vNIC (failover) capable')
        adaps = sys_w.asio_config.sriov_adapters
        check(len(adaps) == 2, '%d SR-IOV adapters' % len(adaps))
        for ad in adaps:
            check(ad.mode == iocard.SRIOVAdapterMode.SRIOV and
                  ad.state == iocard.SRIOVAdapterState.RUNNING,
                  'adapter %s %s %s' % (ad.sriov_adap_id, ad.mode, ad.state))
            check(len(ad.phys_ports) == 4, '%d ports' % len(ad.phys_ports))
        pp = adaps[0].phys_ports[0]
        check(pp.allocated_capacity == 0 and pp.min_granularity == 0.02 and
              pp.cfg_max_lps == 20 and pp.link_status,
              'port 0: capacity %s granularity %s max %s link %s' % (
                  pp.allocated_capacity, pp.min_granularity, pp.cfg_max_lps,
                  pp.link_status))
        vioses = pvm_vios.VIOS.get(a)
        check(all(v.vnic_capable and v.vnic_failover_capable for v in vioses),
              'a VIOS is not vNIC (failover) capable')
        st['lpar'] = pvm_lpar.LPAR.search(a, name='lpar10')[0]
    step('the system shows its SR-IOV adapters, ports and capacity; the '
         'VIOSes serve vNICs', inventory)

    def labels():
        def change(sys_w):
            for ad in sys_w.asio_config.sriov_adapters:
                for pp in ad.phys_ports:
                    if pp.port_id in (0, 1):
                        pp.label = 'prod'
            return True
        sriov.safe_update_pports(system(), change)
        pports = sriov.find_pports_for_portlabel('prod', a)
        check(len(pports) == 4, 'ports labelled prod: %s' % [
            p.loc_code for p in pports])
        check(len(sriov.find_pports_for_portlabel('default', a)) == 4,
              'unlabelled ports')
        st['prod'] = [p.loc_code for p in pports]
    step('safe_update_pports labels ports; find_pports_for_portlabel finds '
         'them', labels, needs=['the system shows its SR-IOV adapters, ports '
                                'and capacity; the VIOSes serve vNICs'])

    def vnic_failover():
        vnic = iocard.VNIC.bld(a, pvid=2001, allowed_vlans=pvm_util.VLANList.NONE,
                               allowed_macs=pvm_util.MACList.NONE)
        sriov.set_vnic_back_devs(vnic, st['prod'], sys_w=system(),
                                 redundancy=2, capacity=0.06,
                                 check_port_status=True)
        check(len(vnic.back_devs) == 2, '%d backing devices'
              % len(vnic.back_devs))
        vnic = vnic.create(parent=st['lpar'])
        vnics = iocard.VNIC.get(a, parent=st['lpar'])
        check(len(vnics) == 1 and vnics[0].pvid == 2001, 'vNICs %s' % vnics)
        v = vnics[0]
        check(len(v.back_devs) == 2 and
              sorted(b.capacity for b in v.back_devs) == [0.06, 0.06],
              'backing devices %s' % [(b.sriov_adap_id, b.pport_id,
                                       b.capacity) for b in v.back_devs])
        check(sum(1 for b in v.back_devs if b.is_active) == 1,
              'active backing devices: %s' % [b.is_active
                                              for b in v.back_devs])
        # The VIOSes own the backing logical ports; the ports' capacity
        # follows.
        lps = []
        for vios in pvm_vios.VIOS.get(a):
            lps += iocard.SRIOVEthLPort.get(a, parent=vios)
        check(len(lps) == 2 and all(lp.vnic_port_usage == 'DEDICATED_VNIC'
                                    for lp in lps),
              'VIOS logical ports %s' % [(lp.sriov_adap_id, lp.vnic_port_usage)
                                         for lp in lps])
        used = [pp for ad in system().asio_config.sriov_adapters
                for pp in ad.phys_ports if pp.allocated_capacity]
        check(len(used) == 2 and all(pp.allocated_capacity == 0.06
                                     for pp in used),
              'ports in use %s' % [(pp.loc_code, pp.allocated_capacity)
                                   for pp in used])
        st['vnic'] = v
    step('set_vnic_back_devs spreads a redundant vNIC over two adapters and '
         'VIOSes; created, one backing device is active', vnic_failover,
         needs=['safe_update_pports labels ports; find_pports_for_portlabel '
                'finds them'])

    def delete_vnic():
        st['vnic'].delete()
        check(not iocard.VNIC.get(a, parent=st['lpar']), 'the vNIC stays')
        used = [pp for ad in system().asio_config.sriov_adapters
                for pp in ad.phys_ports if pp.allocated_capacity]
        check(not used, 'capacity still allocated on %s' % [
            pp.loc_code for pp in used])
    step('deleting the vNIC frees its logical ports and capacity', delete_vnic,
         needs=['set_vnic_back_devs spreads a redundant vNIC over two '
                'adapters and VIOSes; created, one backing device is active'])

    def no_capacity():
        sys_w = system()
        pp = sys_w.asio_config.sriov_adapters[0].phys_ports[2]
        ad_id = sys_w.asio_config.sriov_adapters[0].sriov_adap_id
        vios = [v for v in pvm_vios.VIOS.get(a) if v.name == 'vios1'][0]
        # A first vNIC takes 96% of the port, the second does not fit.
        big = iocard.VNIC.bld(a, pvid=2002)
        big.back_devs.append(iocard.VNICBackDev.bld(a, vios.uuid, ad_id,
                                                    pp.port_id, capacity=0.96))
        big = big.create(parent=st['lpar'])
        small = iocard.VNIC.bld(a, pvid=2003)
        small.back_devs.append(iocard.VNICBackDev.bld(a, vios.uuid, ad_id,
                                                      pp.port_id,
                                                      capacity=0.06))
        try:
            small.create(parent=st['lpar'])
        except pvm_ex.HttpError as e:
            check(e.response.status == 409 and 'capacity left' in str(
                e.response.body), 'refusal %s %s' % (e.response.status,
                                                     e.response.body))
        else:
            raise harness.CheckFailed('a vNIC on a port without capacity was '
                                      'made')
        check(len(iocard.VNIC.get(a, parent=st['lpar'])) == 1,
              'the refused vNIC left something behind')
        # pypowervm itself leaves out the full port.
        try:
            v = iocard.VNIC.bld(a, pvid=2004)
            sriov.set_vnic_back_devs(v, [pp.loc_code], sys_w=system(),
                                     capacity=0.06)
        except pvm_ex.InsufficientSRIOVCapacity:
            pass
        else:
            raise harness.CheckFailed('set_vnic_back_devs chose a full port')
        big.delete()
    step('a vNIC on a port without capacity is refused and changes nothing',
         no_capacity, needs=['the system shows its SR-IOV adapters, ports and '
                             'capacity; the VIOSes serve vNICs'])

    # --- nova-powervm's vNIC VIF driver --------------------------------------
    def nova_vif():
        shims.nova_powervm_options()
        import nova.conf
        from nova import context as nova_context
        from nova import objects
        from nova.network import model as net_model
        objects.register_all()
        CONF = nova.conf.CONF
        CONF([], project='nova', default_config_files=[])
        from nova_powervm.virt.powervm import vif as pvm_vif
        from nova_powervm.virt.powervm import vm
        from nova_powervm.virt.powervm import slot
        inst = objects.Instance(uuid=str(uuidlib.uuid4()), id=7,
                                display_name='vnic-test')
        # The instance's partition: lpar11, with the UUID nova gives it.
        lp = pvm_lpar.LPAR.search(a, name='lpar11')[0]
        vm.get_pvm_uuid = lambda instance: lp.uuid
        net = net_model.Network(id=str(uuidlib.uuid4()), bridge=None,
                                label='sriov', meta={'physical_network':
                                                     'prod'}, subnets=[])
        vif = net_model.VIF(id=str(uuidlib.uuid4()),
                            address='fa:16:3e:12:34:56', network=net,
                            type='pvm_sriov', vnic_type='direct',
                            details={'vlan': '2010', 'redundancy': 2,
                                     'capacity': 0.04, 'maxcapacity': None})
        host = system().uuid
        smgr = slot.build_slot_mgr(inst, None)
        vnic = pvm_vif.plug(a, host, inst, vif, smgr)
        check(vnic is not None and vnic.mac == 'FA163E123456',
              'plugged %s' % vnic)
        got = iocard.VNIC.get(a, parent=lp)
        check(len(got) == 1 and got[0].pvid == 2010 and
              len(got[0].back_devs) == 2, 'vNICs of lpar11 %s' % [
                  (v.mac, v.pvid, len(v.back_devs)) for v in got])
        ports = set(st['prod'])
        for b in got[0].back_devs:
            ad = [x for x in system().asio_config.sriov_adapters
                  if x.sriov_adap_id == b.sriov_adap_id][0]
            loc = [p.loc_code for p in ad.phys_ports
                   if p.port_id == b.pport_id][0]
            check(loc in ports, 'backing port %s is not on physnet prod'
                  % loc)
        pvm_vif.unplug(a, host, inst, vif, smgr)
        check(not iocard.VNIC.get(a, parent=lp), 'the vNIC was not unplugged')
    step("nova's vNIC VIF driver plugs a redundant vNIC on the physical "
         "network's ports and unplugs it", nova_vif,
         needs=['safe_update_pports labels ports; find_pports_for_portlabel '
                'finds them'])

    return h.finish()


if __name__ == '__main__':
    raise SystemExit(main())
