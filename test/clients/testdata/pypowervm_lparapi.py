#!/usr/bin/python3
"""The partition and system API the real clients use, through pypowervm.

Quick properties, the 404 rules, NVRAM, IBM i, the partition and system
jobs, shared processor pools, the client adapter feeds of a partition, a
VIOS's SCSI buses, trunk adapters on the NovaLink partition and the
ManagementConsole's SSH keys. Run by test/clients (see harness.py).
"""

import json
import threading
import time
import uuid as uuidlib

import harness


def main():
    h = harness.Scenario('pypowervm partition and system API')
    step, check = h.step, harness.check

    import pypowervm.const as pc
    import pypowervm.exceptions as pvm_ex
    from pypowervm.tasks import power
    from pypowervm.tasks import power_opts as popts
    from pypowervm.utils import lpar_builder as lb
    from pypowervm.wrappers import base_partition as bp
    from pypowervm.wrappers import logical_partition as pvm_lpar
    from pypowervm.wrappers import managed_system as pvm_ms

    adapter = h.adapter()
    st = {}

    def http_status(fn):
        try:
            fn()
        except pvm_ex.HttpError as e:
            return e.response.status
        return 200

    def new_uuid():
        u = str(uuidlib.uuid4())
        return ('%x%s' % (int(u[0], 16) & 7, u[1:])).upper()

    def build(name, mem=1024, vcpu=1, **extra):
        attrs = {lb.NAME: name, lb.MEM: mem, lb.VCPU: vcpu, lb.MAX_MEM: 4096}
        attrs.update(extra)
        stdz = lb.DefaultStandardize(st['sys'])
        return lb.LPARBuilder(adapter, attrs, stdz).build()

    def lpar(uuid, xag=None):
        return pvm_lpar.LPAR.get(adapter, uuid=uuid, xag=xag)

    def setup():
        st['sys'] = pvm_ms.System.get(adapter)[0]
        w = build('api-base').create(parent=st['sys'])
        st['base'] = w
    step('a partition to work on is created', setup)

    # --- Quick properties --------------------------------------------------
    def quick_all():
        w = st['base']
        resp = adapter.read(pvm_lpar.LPAR.schema_type, root_id=w.uuid,
                            suffix_type='quick')
        q = json.loads(resp.body)
        for key, typ in (('PartitionID', int), ('PartitionName', str),
                         ('PartitionState', str), ('PartitionType', str),
                         ('RMCState', str), ('MigrationState', str),
                         ('SharingMode', str), ('CurrentMemory', int),
                         ('AllocatedVirtualProcessors', int),
                         ('CurrentProcessingUnits', float),
                         ('AssociatedManagedSystem', str),
                         ('HasDedicatedProcessors', str)):
            check(key in q, 'quick properties lack %s: %s' % (key, sorted(q)))
            check(isinstance(q[key], typ), '%s is %r (%s), want a %s' %
                  (key, q[key], type(q[key]).__name__, typ.__name__))
        check(q['PartitionID'] == w.id, 'PartitionID %s, want %s' %
              (q['PartitionID'], w.id))
        check(q['AssociatedManagedSystem'].endswith(
            '/ManagedSystem/' + st['sys'].uuid),
            'AssociatedManagedSystem %s' % q['AssociatedManagedSystem'])
        check(q['CurrentProcessors'] is None, 'CurrentProcessors of a '
              'shared-processor partition %r' % q['CurrentProcessors'])
    step('quick properties come as NovaLink types them', quick_all)

    def quick_one():
        w = st['base']
        for prop, want in (('PartitionID', w.id),
                           ('PartitionState', 'not activated')):
            resp = adapter.read(pvm_lpar.LPAR.schema_type, root_id=w.uuid,
                                suffix_type='quick', suffix_parm=prop)
            got = json.loads(resp.body)
            check(got == want, 'quick/%s = %r, want %r' % (prop, got, want))
    step('a single quick property is a JSON value', quick_one)

    # --- 404 rules ---------------------------------------------------------
    def not_found():
        missing = new_uuid()
        check(http_status(lambda: adapter.delete(
            pvm_lpar.LPAR.schema_type, root_id=missing)) == 404,
            'DELETE of a partition that does not exist is not 404')
        gone = build('api-gone').create(parent=st['sys'])
        gone.delete()
        s = http_status(lambda: power.power_on(gone, None))
        check(s == 404, 'PowerOn of a deleted partition answers %s, want '
              '404' % s)
        w = st['base']
        s = http_status(lambda: adapter.read(
            pvm_lpar.LPAR.schema_type, root_id=w.uuid, suffix_type='quick',
            suffix_parm='NoSuchProperty'))
        check(s == 400, 'an unknown quick property of an existing '
              'partition answers %s, want 400' % s)
        s = http_status(lambda: adapter.read(
            pvm_lpar.LPAR.schema_type, root_id=w.uuid,
            suffix_type=pc.SUFFIX_TYPE_DO, suffix_parm='NoSuchJob'))
        check(s == 400, 'an unknown job of an existing partition answers '
              '%s, want 400' % s)
    step('only partitions that do not exist answer 404', not_found)

    # --- NVRAM -----------------------------------------------------------
    def nvram_create():
        data = 'TlZSQU0gb2YgYSBub3ZhIGluc3RhbmNl' * 600
        w = build('api-nvram')
        w.nvram = data
        w = w.create(parent=st['sys'])
        check(lpar(w.uuid, xag=[pc.XAG.NVRAM]).nvram == data,
              'the NVRAM read back differs from the one sent')
        check(lpar(w.uuid).nvram is None,
              'NVRAM is sent without being asked for')
        st['nvram_lpar'] = w
    step('PartitionNVRAM sent on create is kept and read back', nvram_create)

    def nvram_boot():
        w = build('api-nvboot').create(parent=st['sys'])
        check(lpar(w.uuid, xag=[pc.XAG.NVRAM]).nvram is None,
              'a partition that never booted has NVRAM')
        power.power_on(w, None)
        power.power_off(lpar(w.uuid), None, force_immediate=power.Force.TRUE)
        first = lpar(w.uuid, xag=[pc.XAG.NVRAM]).nvram
        check(first and len(first) > 10000, 'NVRAM after a boot: %r' %
              (first and first[:40]))
        power.power_on(lpar(w.uuid), None)
        power.power_off(lpar(w.uuid), None, force_immediate=power.Force.TRUE)
        check(lpar(w.uuid, xag=[pc.XAG.NVRAM]).nvram == first,
              'the NVRAM changed across a boot with the same settings')
        opts = popts.PowerOnOpts().bootmode(popts.BootMode.SMS)
        power.power_on(lpar(w.uuid), None, add_parms=opts)
        power.power_off(lpar(w.uuid), None, force_immediate=power.Force.TRUE)
        sms = lpar(w.uuid, xag=[pc.XAG.NVRAM]).nvram
        check(sms != first, 'booting into SMS left the NVRAM as it was')
        st['nvram_first'] = sms
        st['nvram_uuid'] = w.uuid
    step('a partition that boots has NVRAM of its own, changing with the '
         'boot settings', nvram_boot)

    def nvram_respawn():
        # As nova's NVRAM store: kept at destroy, given back at spawn.
        old = lpar(st['nvram_uuid'], xag=[pc.XAG.NVRAM])
        saved, uuid = old.nvram, old.uuid
        old.delete()
        w = build('api-nvboot', **{lb.UUID: uuid})
        w.nvram = saved
        w = w.create(parent=st['sys'])
        check(lpar(uuid, xag=[pc.XAG.NVRAM]).nvram == saved,
              'the NVRAM given at spawn was not kept')
        opts = popts.PowerOnOpts().bootmode(popts.BootMode.SMS)
        power.power_on(lpar(uuid), None, add_parms=opts)
        power.power_off(lpar(uuid), None, force_immediate=power.Force.TRUE)
        check(lpar(uuid, xag=[pc.XAG.NVRAM]).nvram == saved,
              'the respawned partition booted with the same settings but '
              'its NVRAM changed')
    step('NVRAM round-trips across destroy and spawn', nvram_respawn)

    # --- IBM i -----------------------------------------------------------
    def ibmi_create():
        w = build('api-ibmi', mem=2048, **{lb.ENV: bp.LPARType.OS400})
        w = w.create(parent=st['sys'])
        tio = w.io_config.tagged_io
        check(tio is not None and tio.console == 'HMC',
              'tagged I/O of a new IBM i partition: %r' % tio)
        check(w.restrictedio, 'a new IBM i partition is not restricted I/O')
        w.io_config.tagged_io = bp.TaggedIO.bld(
            adapter, load_src='2', console='HMC', alt_load_src='3')
        w.desig_ipl_src = pvm_lpar.IPLSrc.A
        w.keylock_pos = bp.KeylockPos.NORMAL
        w = w.update()
        w = lpar(w.uuid)
        tio = w.io_config.tagged_io
        check((tio.load_src, tio.alt_load_src, tio.console) ==
              ('2', '3', 'HMC'), 'tagged I/O read back: %s %s %s' %
              (tio.load_src, tio.alt_load_src, tio.console))
        check(w.desig_ipl_src == 'a', 'IPL source %s' % w.desig_ipl_src)
        st['ibmi'] = w
    step('an IBM i partition keeps its tagged I/O and IPL source',
         ibmi_create)

    def ibmi_power():
        w = st['ibmi']
        opts = (popts.PowerOnOpts().ibmi_ipl_source(pvm_lpar.IPLSrc.B)
                .keylock_pos(popts.KeylockPos.NORMAL))
        # The reference codes the partition shows while it starts, read
        # from a second session as fast as it answers.
        import pypowervm.adapter as adp
        watcher = adp.Adapter(adp.Session(
            host='localhost', username='padmin', password=harness.PASSWORD,
            protocol='http', port=harness.HTTP_PORT))
        codes, done = [], threading.Event()

        def watch():
            try:
                while not done.is_set():
                    c = json.loads(watcher.read(
                        pvm_lpar.LPAR.schema_type, root_id=w.uuid,
                        suffix_type='quick', suffix_parm='ReferenceCode').body)
                    if c and (not codes or codes[-1] != c):
                        codes.append(c)
            except Exception as e:
                codes.append('reading the reference code: %s' % e)
        t = threading.Thread(target=watch)
        t.start()
        try:
            power.power_on(w, None, add_parms=opts)
        finally:
            done.set()
            t.join()
        boot = [c for c in codes if c != '00000000']
        check(boot and all(c[:2] in ('C2', 'C6', 'C9') for c in boot),
              'reference codes while an IBM i partition started: %s '
              '(want the C2xx, C6xx and C9xx IPL steps)' % codes)
        w = lpar(w.uuid)
        check(w.state == 'running', 'state %s' % w.state)
        check(w.desig_ipl_src == 'b', 'IPL source after iIPLsource=b: %s'
              % w.desig_ipl_src)
        check(w.keylock_pos == 'normal', 'keylock %s' % w.keylock_pos)
        st['ibmi'] = w
    step('PowerOn takes the IBM i IPL source and the keylock spelled norm; '
         'the partition starts through the IBM i reference codes',
         ibmi_power)

    def ibmi_panel():
        from pypowervm.tasks import ibmi
        from pypowervm.tasks import partition as tpar
        ibmi.start_panel_job(st['ibmi'], ibmi.IBMiPanelOperations.DSTON)
        tpar.ibmi_add_license_key(adapter, st['ibmi'].uuid, 'LICKEY-1234')
        try:
            ibmi.start_panel_job(st['base'], ibmi.IBMiPanelOperations.DSTON)
        except pvm_ex.PartitionIsNotIBMi:
            pass
        else:
            raise harness.CheckFailed('a panel job ran on an AIX/Linux '
                                      'partition')
    step('the PanelFunction and AddLicense jobs run on IBM i', ibmi_panel)

    def ibmi_off():
        w = lpar(st['ibmi'].uuid)
        power.power_off(w, None)
        check(lpar(w.uuid).state == 'not activated', 'state %s' %
              lpar(w.uuid).state)
    step('an IBM i partition shuts down through its OS without RMC',
         ibmi_off)

    def ibmi_op_types():
        w = lpar(st['ibmi'].uuid)
        # changeKeylock turns the key of a partition that stays off.
        power.power_on(w, None, add_parms=popts.PowerOnOpts()
                       .ibmi_op_type(popts.IBMiOperationType.CHANGE_KEYLOCK)
                       .keylock_pos(popts.KeylockPos.MANUAL))
        w = lpar(w.uuid)
        check(w.keylock_pos == 'manual' and w.state == 'not activated',
              'after changeKeylock: keylock %s state %s' % (w.keylock_pos,
                                                            w.state))
        # netboot: an install from an image server; its addresses are
        # checked before anything starts.
        bad = (popts.PowerOnOpts()
               .ibmi_op_type(popts.IBMiOperationType.NETBOOT)
               .ibmi_netboot_params('10.1.1.300', '10.1.1.2', '10.1.1.1',
                                    '/install/ibmi'))
        try:
            power.power_on(w, None, add_parms=bad)
        except pvm_ex.VMPowerOnFailure as e:
            check('IPAddress' in str(e), 'the refusal: %s' % e)
        else:
            raise harness.CheckFailed('netboot to the address 10.1.1.300 '
                                      'started')
        check(lpar(w.uuid).state == 'not activated', 'a refused netboot '
              'left the partition %s' % lpar(w.uuid).state)
        power.power_on(w, None, add_parms=popts.PowerOnOpts()
                       .ibmi_op_type(popts.IBMiOperationType.NETBOOT)
                       .ibmi_netboot_params('10.1.1.20', '10.1.1.2',
                                            '10.1.1.1', '/install/ibmi',
                                            subnet='255.255.255.0', mtu=1500,
                                            vlanid=12))
        check(lpar(w.uuid).state == 'running', 'after netboot: %s'
              % lpar(w.uuid).state)
        power.power_off(lpar(w.uuid), None, force_immediate=power.Force.TRUE)
        # Neither is for an AIX/Linux partition.
        try:
            power.power_on(st['base'], None, add_parms=popts.PowerOnOpts()
                           .ibmi_op_type(popts.IBMiOperationType.NETBOOT)
                           .ibmi_netboot_params('10.1.1.20', '10.1.1.2',
                                                '10.1.1.1', '/install/ibmi'))
        except pvm_ex.VMPowerOnFailure as e:
            check('IBM i' in str(e), 'the refusal: %s' % e)
        else:
            raise harness.CheckFailed('an AIX/Linux partition netbooted '
                                      'as IBM i')
    step('PowerOn\'s IBM i operation types: changeKeylock and netboot',
         ibmi_op_types)

    # --- Shared processor pools ------------------------------------------
    from pypowervm.wrappers import shared_proc_pool as pvm_spp

    def spp_list():
        pools = pvm_spp.SharedProcPool.get(adapter, parent=st['sys'])
        check(len(pools) == 64, '%d pools' % len(pools))
        check(pools[0].is_default and pools[0].name == 'DefaultPool',
              'first pool %s' % pools[0].name)
        st['pools'] = pools
    step('SharedProcPool lists the default pool and the 63 others', spp_list)

    def spp_config():
        p = [x for x in st['pools'] if x.id == 3][0]
        p.name = 'api_pool'
        p.max_proc_units = 2
        p.pend_rsrv_proc_units = 0.5
        p = p.update()
        found = pvm_spp.SharedProcPool.search(adapter, name='api_pool',
                                              parent=st['sys'])
        check(len(found) == 1 and found[0].id == 3,
              'search by name found %s' % [x.id for x in found])
        check(found[0].max_proc_units == 2.0 and
              found[0].curr_rsrv_proc_units == 0.5,
              'max %s reserved %s' % (found[0].max_proc_units,
                                      found[0].curr_rsrv_proc_units))
    step('a user pool is configured by updating its wrapper', spp_config)

    def spp_join():
        w = build('api-inpool', **{lb.SPP: 3, lb.PROC_UNITS: 0.5})
        w = w.create(parent=st['sys'])
        check(w.proc_config.shared_proc_cfg.pool_id == 3, 'pool %s' %
              w.proc_config.shared_proc_cfg.pool_id)
        power.power_on(w, None)
        check(lpar(w.uuid).state == 'running', 'state %s' %
              lpar(w.uuid).state)
        pool = pvm_spp.SharedProcPool.search(adapter, name='api_pool',
                                             parent=st['sys'])[0]
        check(abs(pool.avail_proc_units - 1.0) < 0.001,
              'available in the pool %s, want 1.0' % pool.avail_proc_units)
        big = build('api-toobig', vcpu=2, **{lb.SPP: 3, lb.PROC_UNITS: 1.5})
        big = big.create(parent=st['sys'])
        try:
            power.power_on(big, None)
        except pvm_ex.Error:
            pass
        else:
            raise harness.CheckFailed('a partition beyond the pool maximum '
                                      'started')
    step('partitions join a pool within its maximum', spp_join)

    # --- Jobs ------------------------------------------------------------
    def reserved_memory():
        from pypowervm.tasks import memory
        sysw = pvm_ms.System.get(adapter)[0]
        overhead, avail = memory.calculate_memory_overhead_on_host(
            adapter, sysw.uuid, {'desired_mem': 2048, 'max_mem': 8192,
                                 'lpar_env': bp.LPARType.AIXLINUX,
                                 'num_virt_eth_adapters': 1,
                                 'num_vscsi_adapters': 1,
                                 'num_vfc_adapters': 0},
            lmb_size=sysw.memory_region_size)
        check(avail == sysw.memory_free, 'available %s, the system says %s'
              % (avail, sysw.memory_free))
        w = build('api-mem', mem=2048)
        w.mem_config.max = 8192
        w = w.create(parent=st['sys'])
        power.power_on(w, None)
        after = pvm_ms.System.get(adapter)[0].memory_free
        check(avail - after == 2048 + overhead,
              'a 2048/8192 MB partition took %d MB; the job said %d + %d' %
              (avail - after, 2048, overhead))
        power.power_off(lpar(w.uuid), None, force_immediate=power.Force.TRUE)
    step('QueryReservedMemoryRequiredForPartition agrees with what a '
         'partition takes', reserved_memory)

    def clone_uuid():
        from pypowervm.tasks import partition as tpar
        orig = build('api-orig').create(parent=st['sys'])
        sur = build('api-surrogate').create(parent=st['sys'])
        tpar.clone_uuid(adapter, orig.uuid, 'api-surrogate')
        w = lpar(orig.uuid)
        check(w.name == 'api-surrogate' and w.id == sur.id,
              'under the original UUID: %s (ID %s)' % (w.name, w.id))
        check(http_status(lambda: lpar(sur.uuid)) == 404,
              "the surrogate's old UUID still answers")
    step('tasks.partition.clone_uuid moves the UUID to the surrogate',
         clone_uuid)

    def controller():
        import pypowervm.adapter as adp
        from pypowervm.tasks import controller_mode
        hmc = adp.Adapter(adp.Session(
            host='localhost', username='hscroot',
            password=harness.HMC_PASSWORD, protocol='http',
            port=harness.HTTP_PORT))
        controller_mode.request_controller(pvm_ms.System.get(hmc)[0])
        check(pvm_ms.System.get(hmc)[0].session_is_controller,
              'the HMC is not controller after request_controller')
        check(not pvm_ms.System.get(adapter)[0].session_is_controller,
              'NovaLink still says it is controller')
        controller_mode.release_controller(pvm_ms.System.get(hmc)[0])
        controller_mode.request_controller(pvm_ms.System.get(adapter)[0])
        check(pvm_ms.System.get(adapter)[0].session_is_controller,
              'NovaLink is not controller again')
    step('tasks.controller_mode requests and releases controller mode',
         controller)

    def dpo():
        h.session_config()
        from pypowervm.tasks import dpo as tdpo
        from pypowervm.wrappers import dpo as wdpo
        vals = tdpo.dpo_job()
        names = {v['LPAR_NAME']: v for v in vals}
        check('vios1' in names and
              names['vios1']['CURRENT_AFFINITY_SCORE'] == '100',
              'DPO status: %s' % vals)
        objs = wdpo.DPO.search(adapter, vm='vios1')
        check(len(objs) == 1 and objs[0].affinity == '100',
              'DPO.search found %s' % [(o.vm, o.affinity) for o in objs])
    step('tasks.dpo reads every partition\'s affinity score', dpo)

    def vsn():
        h.session_config()
        from pypowervm.tasks import virtual_serial_number as tvsn
        from pypowervm.wrappers import virtual_serial_number as wvsn
        tvsn.add_vsn('ZCE0HF0')
        tvsn.add_vsn('WXYZHF0')
        vsns = wvsn.VirtualSerialNumber.get(adapter, parent=st['sys'])
        check(sorted(v.vsn for v in vsns) == ['WXYZHF0', 'ZCE0HF0'],
              'serial numbers %s' % [v.vsn for v in vsns])
        check(all(v.assoc_partition_id == '-' and v.auto_assign
                  for v in vsns), 'fresh serial numbers are not free')
        w = build('api-vsn', **{lb.VIRTUAL_SERIAL_NUMBER: 'ZCE0HF0'})
        w = w.create(parent=st['sys'])
        check(w.virtual_serial_number == 'ZCE0HF0', 'partition VSN %s' %
              w.virtual_serial_number)
        got = {v.vsn: v.assoc_partition_id for v in
               wvsn.VirtualSerialNumber.get(adapter, parent=st['sys'])}
        check(got['ZCE0HF0'] == w.id, 'ZCE0HF0 assigned to %s, want %s' %
              (got['ZCE0HF0'], w.id))
        try:
            tvsn.delete_vsn('ZCE0HF0')
        except Exception:
            pass
        else:
            raise harness.CheckFailed('a serial number in use was deleted')
        tvsn.delete_vsn('WXYZHF0')
        check([v.vsn for v in wvsn.VirtualSerialNumber.get(
            adapter, parent=st['sys'])] == ['ZCE0HF0'],
            'WXYZHF0 not deleted')
    step('virtual serial numbers are added, given to a partition and '
         'removed', vsn)

    # --- Client adapters and SCSI buses ----------------------------------
    from pypowervm.wrappers import storage as pvm_stor
    from pypowervm.wrappers import virtual_io_server as pvm_vios

    def client_adapters():
        from pypowervm.tasks import vfc_mapper
        w = build('api-stor').create(parent=st['sys'])
        vios_w = pvm_vios.VIOS.get(adapter, xag=[pc.XAG.VIO_FMAP,
                                                 pc.XAG.VIO_STOR])[0]
        port = vios_w.pfc_ports[0]
        wwpns = vfc_mapper.build_wwpn_pair(adapter, st['sys'].uuid)
        vios_w.vfc_mappings.append(pvm_vios.VFCMapping.bld(
            adapter, st['sys'].uuid, w.uuid, port.name, client_wwpns=wwpns))
        vios_w.update()
        vfcs = pvm_stor.VFCClientAdapter.get(adapter, parent=w)
        check(len(vfcs) == 1, '%d vFC client adapters' % len(vfcs))
        check([x.lower() for x in vfcs[0].wwpns] == [x.lower() for x in wwpns],
              'WWPNs %s, want %s' % (vfcs[0].wwpns, wwpns))
        check(vfcs[0].vios_id == vios_w.id and vfcs[0].lpar_id == w.id,
              'VIOS %s LPAR %s' % (vfcs[0].vios_id, vfcs[0].lpar_id))
        links = lpar(w.uuid).get_href('VirtualFibreChannelClientAdapters/link')
        check(len(links) == 1 and links[0].endswith(vfcs[0].uuid),
              'the partition links %s' % links)
        st['stor'] = w
        st['vios'] = vios_w
    step('a partition lists its virtual Fibre Channel client adapters',
         client_adapters)

    def scsi_bus():
        w, v = st['stor'], st['vios']
        bus = pvm_vios.VSCSIBus.bld(adapter, w.uuid).create(parent=v)
        check(bus.client_adapter is not None and
              bus.client_adapter.lpar_id == w.id,
              'bus client adapter %r' % bus.client_adapter)
        buses = pvm_vios.VSCSIBus.get(adapter, parent=v)
        check(bus.uuid in [b.uuid for b in buses], 'the new bus is not '
              'in the feed')
        # Storage on the bus: an empty optical drive and a disk.
        vios_w = pvm_vios.VIOS.get(adapter, uuid=v.uuid,
                                   xag=[pc.XAG.VIO_STOR])
        disk = [p for p in vios_w.phys_vols if p.avail_for_use][0]
        bus.mappings.append(pvm_vios.STDev.bld(adapter, pvm_stor.PV.bld(
            adapter, disk.name)))
        bus = bus.update()
        check(len(bus.mappings) == 1 and
              bus.mappings[0].backing_storage.name == disk.name,
              'bus storage %s' % [m.backing_storage.name
                                  for m in bus.mappings])
        sc = adapter.read(pvm_lpar.LPAR.schema_type, root_id=w.uuid,
                          child_type='VirtualSCSIClientAdapter')
        ids = [e.uuid for e in sc.feed.entries]
        check(len(ids) == 1, '%d vSCSI client adapters' % len(ids))
        bus.delete()
        check(http_status(lambda: adapter.read(
            pvm_lpar.LPAR.schema_type, root_id=w.uuid,
            child_type='VirtualSCSIClientAdapter', child_id=ids[0])) == 404,
            'the client adapter of a deleted bus still answers')
    step('a VIOS SCSI bus is created, given storage and deleted', scsi_bus)

    # --- Trunk adapters on the NovaLink partition (OVS/SDN) --------------
    def ovs_trunk():
        from pypowervm.tasks import cna as tcna
        from pypowervm.tasks import partition as tpar
        from pypowervm.wrappers import network as pvm_net
        mgmt = tpar.get_mgmt_partition(adapter)
        w = build('api-ovs').create(parent=st['sys'])
        # As nova-powervm's PvmOvsVifDriver.plug calls it.
        cna, trunks = tcna.crt_p2p_cna(
            adapter, None, w.uuid, [mgmt.uuid], 'NovaLinkVEABridge',
            crt_vswitch=True, mac_addr='fa163e4b5c6d', dev_name='tap4b5c6d01',
            ovs_bridge='br-int', ovs_ext_ids='iface-id=port1,vm-id=vm1',
            configured_mtu=1450)
        check(len(trunks) == 1, '%d trunks' % len(trunks))
        t = trunks[0]
        check(t.is_trunk and t.pvid == cna.pvid and t.dev_name == 'tap4b5c6d01'
              and t.ovs_bridge == 'br-int' and t.configured_mtu == 1450,
              'trunk: trunk %s pvid %s/%s dev %s bridge %s mtu %s' %
              (t.is_trunk, t.pvid, cna.pvid, t.dev_name, t.ovs_bridge,
               t.configured_mtu))
        found = tcna.find_trunks(adapter, cna)
        check([x.uuid for x in found] == [t.uuid],
              'find_trunks found %s' % [x.uuid for x in found])
        # The OVS driver re-plugs by updating the trunk's OVS settings.
        t.set_parm_value('OvsPortExternalIds', 'iface-id=port2',
                         attrib=pc.ATTR_KSV160)
        t = t.update()
        check(t.ovs_ext_ids == 'iface-id=port2', 'external ids %s' %
              t.ovs_ext_ids)
        vs = pvm_net.VSwitch.search(adapter, parent_type=pvm_ms.System,
                                    parent_uuid=st['sys'].uuid,
                                    name='NovaLinkVEABridge')
        check(len(vs) == 1, 'the vswitch NovaLinkVEABridge was not made')
        t.delete()
        cna.delete()
    step('nova-powervm\'s OVS VIF plug makes a trunk on the NovaLink '
         'partition', ovs_trunk)

    # --- ManagementConsole SSH keys --------------------------------------
    def ssh_keys():
        from pypowervm.tasks import management_console as tmc
        pub = tmc.get_public_key(adapter)
        check(pub and pub.split()[0] in ('ssh-ed25519', 'ssh-rsa'),
              'public key %r' % pub)
        check(tmc.get_public_key(adapter) == pub, 'the public key changed')
        k1 = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFZtVlL5fLwnc8nHC4GoSKgP'
              'Zr1H4B8wQrq0OkHgD7Gr powervc@host1')
        k2 = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMdPkG4m1LyNK7kNr6Xn4xdC'
              '6+0rUTOG1wCkMrHfOcbs nova@host2')
        tmc.add_authorized_key(adapter, k1)
        tmc.add_authorized_key(adapter, k2)
        tmc.add_authorized_key(adapter, k1)  # already there: no change
        check(list(tmc.get_authorized_keys(adapter)) == [k1, k2],
              'authorized keys %s' % (tmc.get_authorized_keys(adapter),))
        # Removal: the list posted without the key.
        from pypowervm.wrappers import management_console as pvm_mc
        con = pvm_mc.ManagementConsole.get(adapter)[0]
        con.ssh_authorized_keys = [k2]
        con.update()
        check(list(tmc.get_authorized_keys(adapter)) == [k2],
              'after removing one: %s' % (tmc.get_authorized_keys(adapter),))
    step('the console\'s public key is read and keys are authorized and '
         'removed', ssh_keys)

    return h.finish()


if __name__ == '__main__':
    raise SystemExit(main())
