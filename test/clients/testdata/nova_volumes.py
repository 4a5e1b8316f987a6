#!/usr/bin/python3
"""nova-powervm's volume adapters, unmodified, attaching and detaching
Cinder volumes of the simulated SAN through PowerVMDriver.attach_volume and
detach_volume: Fibre Channel by vSCSI (LUARecovery on both VIOSes, PV
mappings, hdisk removal), Fibre Channel by NPIV (virtual FC adapters with
WWPNs from the system, logged into the fabric), iSCSI (login with CHAP,
mappings, logout) and Ceph RBD (mapped by the management partition, here a
VIOS as when NovaLink hosts I/O; RBDExists), with the error paths (no LUN,
wrong ITL, CHAP failure, an image the pool does not have).

The instance's partition is made by nova's own vm.create_lpar, as spawn
does first. What Cinder would hand over (connection_info) is written here
from the storage pvmd was given (san_test.go's inventory, in
PVM_TEST_INVENTORY). Run by test/clients (san_test.go); see harness.py.
"""

import json
import os
import uuid as uuidlib

import harness
import shims

ISCSI_IQN = 'iqn.2010-10.org.openstack:volume-iscsi1'
ISCSI_PORTAL = '192.0.2.50:3260'
RBD_IMAGE = 'volumes/volume-rbd1'


def main():
    h = harness.Scenario('nova-powervm volume adapters')
    step, check = h.step, harness.check
    h.session_config()
    st = h.state
    inv = json.load(open(os.environ['PVM_TEST_INVENTORY']))

    shims.nova_powervm_options()

    import nova.conf
    from nova import context as nova_context
    from nova import objects
    from nova.compute import power_state
    objects.register_all()
    CONF = nova.conf.CONF
    CONF([], project='nova', default_config_files=[])
    CONF.set_override('host', 'novalink-test')
    CONF.set_override('instances_path', os.path.join(harness.WORK, 'inst'))
    CONF.set_override('state_path', harness.WORK)

    from nova_powervm.virt.powervm import driver as pvm_driver
    from nova_powervm.virt.powervm import exception as p_exc
    from nova_powervm.virt.powervm import vm

    import pypowervm.const as pc
    from pypowervm.tasks import power
    from pypowervm.wrappers import logical_partition as pvm_lpar
    from pypowervm.wrappers import managed_system as pvm_ms
    from pypowervm.wrappers import storage as pvm_stor
    from pypowervm.wrappers import virtual_io_server as pvm_vios

    ctx = nova_context.get_admin_context()
    # Nova's database, as far as attach_volume reaches it: Instance.save
    # records that the driver saved the instance.
    saved = []
    objects.Instance.save = lambda self, *a, **k: saved.append(self.uuid)
    objects.Instance.refresh = lambda self, *a, **k: None
    a = h.adapter()
    xags = [pc.XAG.VIO_STOR, pc.XAG.VIO_SMAP, pc.XAG.VIO_FMAP]

    def array_ports(name):
        for arr in inv['san']['arrays']:
            if arr['name'] == name:
                return arr['ports']
        raise KeyError(name)

    def vioses():
        return {v.name: v for v in pvm_vios.VIOS.get(a, xag=xags)}

    def start():
        drv = pvm_driver.PowerVMDriver(None)
        drv.live_migrations, drv.nvram_mgr, drv.store_api = {}, None, None
        drv._get_adapter()
        drv._get_host_uuid()
        st['drv'] = drv
        st['sys'] = pvm_ms.System.get(a)[0]
    step('the nova driver connects to pvmd', start)

    def instance(n):
        flavor = objects.Flavor(name='m1.small', memory_mb=2048, vcpus=2,
                                root_gb=1, ephemeral_gb=0, swap=0,
                                extra_specs={}, flavorid='2')
        inst = objects.Instance(
            ctx, id=n, uuid=str(uuidlib.uuid4()),
            display_name='vol-test-%d' % n, hostname='vol-test-%d' % n,
            flavor=flavor, memory_mb=2048, vcpus=2, root_gb=1,
            ephemeral_gb=0, system_metadata={}, metadata={},
            task_state=None, vm_state='active',
            power_state=power_state.SHUTDOWN, host=CONF.host,
            node='novalink-test', project_id='p1', user_id='u1',
            os_type='linux', deleted=False, locked=False)
        from nova.objects import fields as obj_fields
        for fname, field in objects.Instance.fields.items():
            if fname in inst:
                continue
            if field.nullable:
                setattr(inst, fname, None)
            elif field.default != obj_fields.UnspecifiedDefault:
                setattr(inst, fname, field.default)
        inst.obj_reset_changes(recursive=True)
        return inst

    def make_instance():
        inst = instance(1)
        vm.create_lpar(a, st['sys'], inst)
        lp = pvm_lpar.LPAR.get(a, uuid=vm.get_pvm_uuid(inst))
        check(lp.name == inst.name, 'partition %s' % lp.name)
        st['inst'], st['lpar'] = inst, lp
    step("nova's create_lpar makes the instance's partition", make_instance,
         needs=['the nova driver connects to pvmd'])
    made = ["nova's create_lpar makes the instance's partition"]

    def pv_maps(vios_name, lpar_id, udid=None):
        v = pvm_vios.VIOS.get(a, uuid=vioses()[vios_name].uuid, xag=xags)
        out = []
        for m in v.scsi_mappings:
            if m.server_adapter.lpar_id != lpar_id or not m.backing_storage:
                continue
            if not isinstance(m.backing_storage, pvm_stor.PV):
                continue
            if udid is None or m.backing_storage.udid == udid:
                out.append(m)
        return out

    # --- Fibre Channel by vSCSI ------------------------------------------------
    def fc_conn(lun, volume_id='vol-fc-1'):
        ports = [p['wwpn'] for p in array_ports('v7k')]
        itmap = {}
        for v in vioses().values():
            if v.name not in ('vios1', 'vios2'):
                continue
            for p in v.pfc_ports:
                # Each initiator with the array port on its fabric.
                itmap[p.wwpn] = [ports[0] if p.name == 'fcs0' else ports[1]]
        return {'driver_volume_type': 'fibre_channel', 'serial': volume_id,
                'data': {'volume_id': volume_id, 'target_lun': lun,
                         'target_discovered': False, 'target_wwn': ports,
                         'initiator_target_map': itmap}}

    def vscsi_attach():
        CONF.set_override('fc_attach_strategy', 'vscsi', group='powervm')
        ci = fc_conn(20)
        st['drv'].attach_volume(ctx, ci, st['inst'], '/dev/sdb')
        udid = ci['data'].get('target_UDID')
        check(udid, 'the adapter kept no target_UDID: %s' % ci['data'])
        for name in ('vios1', 'vios2'):
            maps = pv_maps(name, st['lpar'].id, udid)
            check(len(maps) == 1, '%s maps the volume %d times' % (
                name, len(maps)))
        st['fc_ci'] = ci
    step('attach_volume (fibre_channel, vscsi) discovers the LUN on both '
         'VIOSes and maps it', vscsi_attach, needs=made)

    def vscsi_detach():
        ci = st['fc_ci']
        udid = ci['data']['target_UDID']
        st['drv'].detach_volume(ctx, ci, st['inst'], '/dev/sdb')
        for name in ('vios1', 'vios2'):
            check(not pv_maps(name, st['lpar'].id, udid),
                  '%s still maps the volume' % name)
            v = pvm_vios.VIOS.get(a, uuid=vioses()[name].uuid, xag=xags)
            check(v.hdisk_from_uuid(udid) is None,
                  '%s still has the hdisk' % name)
    step('detach_volume (vscsi) unmaps the volume and removes the hdisks',
         vscsi_detach, needs=['attach_volume (fibre_channel, vscsi) '
                              'discovers the LUN on both VIOSes and maps it'])

    def vscsi_no_lun():
        CONF.set_override('fc_attach_strategy', 'vscsi', group='powervm')
        ci = fc_conn(99, 'vol-fc-missing')
        try:
            st['drv'].attach_volume(ctx, ci, st['inst'], '/dev/sdc')
        except p_exc.VolumeAttachFailed as e:
            check('Failed to discover valid hdisk' in str(e), '%s' % e)
        else:
            raise harness.CheckFailed('a volume with no LUN was attached')
        for name in ('vios1', 'vios2'):
            check(not pv_maps(name, st['lpar'].id), '%s maps something'
                  % name)
    step('attach_volume of a LUN the array does not have fails, mapping '
         'nothing', vscsi_no_lun, needs=made)

    def vscsi_wrong_itl():
        CONF.set_override('fc_attach_strategy', 'vscsi', group='powervm')
        ci = fc_conn(20, 'vol-fc-wrong')
        # Cinder names the wrong array's ports as targets.
        ci['data']['initiator_target_map'] = {
            i: [p['wwpn'] for p in array_ports('ds8k')]
            for i in ci['data']['initiator_target_map']}
        try:
            st['drv'].attach_volume(ctx, ci, st['inst'], '/dev/sdc')
        except p_exc.VolumeAttachFailed as e:
            check('Failed to discover valid hdisk' in str(e), '%s' % e)
        else:
            raise harness.CheckFailed('a volume on the wrong ITLs was attached')
    step('attach_volume on ITLs that lead to no volume fails', vscsi_wrong_itl,
         needs=made)

    # --- iSCSI --------------------------------------------------------------------
    def iscsi_conn(password):
        return {'driver_volume_type': 'iscsi', 'serial': 'vol-iscsi-1',
                'connector': {'multipath': False},
                'data': {'volume_id': 'vol-iscsi-1',
                         'target_portal': ISCSI_PORTAL,
                         'target_iqn': ISCSI_IQN, 'target_lun': 1,
                         'auth_method': 'CHAP', 'auth_username': 'cinder',
                         'auth_password': password}}

    def iscsi_chap_fails():
        try:
            st['drv'].attach_volume(ctx, iscsi_conn('not-the-secret'),
                                    st['inst'], '/dev/sdd')
        except p_exc.VolumeAttachFailed as e:
            check('Failed to discover' in str(e), '%s' % e)
        else:
            raise harness.CheckFailed('an iSCSI login with a wrong CHAP '
                                      'secret attached the volume')
    step('attach_volume (iscsi) with a wrong CHAP secret fails', iscsi_chap_fails,
         needs=made)

    def iscsi_attach():
        ci = iscsi_conn('chapsecret12')
        st['drv'].attach_volume(ctx, ci, st['inst'], '/dev/sdd')
        udid = ci['data'].get('target_UDID')
        check(udid, 'no target_UDID: %s' % ci['data'])
        found = [n for n in ('vios1', 'vios2', 'vios3')
                 if pv_maps(n, st['lpar'].id, udid)]
        check(found, 'no VIOS maps the iSCSI volume')
        st['iscsi_ci'], st['iscsi_vioses'] = ci, found
    step('attach_volume (iscsi) logs in with CHAP and maps the LUN',
         iscsi_attach, needs=made)

    def iscsi_detach():
        ci = st['iscsi_ci']
        udid = ci['data']['target_UDID']
        st['drv'].detach_volume(ctx, ci, st['inst'], '/dev/sdd')
        for name in st['iscsi_vioses']:
            check(not pv_maps(name, st['lpar'].id, udid),
                  '%s still maps the volume' % name)
            v = pvm_vios.VIOS.get(a, uuid=vioses()[name].uuid, xag=xags)
            check(v.hdisk_from_uuid(udid) is None,
                  '%s is still logged in to the target' % name)
    step('detach_volume (iscsi) unmaps the LUN and logs out', iscsi_detach,
         needs=['attach_volume (iscsi) logs in with CHAP and maps the LUN'])

    # --- Ceph RBD -------------------------------------------------------------
    def rbd_conn(name, volume_id):
        return {'driver_volume_type': 'rbd', 'serial': volume_id,
                'data': {'name': name, 'volume_id': volume_id}}

    def vdisk_maps(vios_name, lpar_id, name):
        v = pvm_vios.VIOS.get(a, uuid=vioses()[vios_name].uuid, xag=xags)
        return [m for m in v.scsi_mappings
                if m.server_adapter.lpar_id == lpar_id and
                isinstance(m.backing_storage, pvm_stor.VDisk) and
                m.backing_storage.name == name]

    def rbd_attach():
        from pypowervm.tasks import partition as pvm_par
        mgmt = pvm_par.get_mgmt_partition(a)
        check(isinstance(mgmt, pvm_vios.VIOS) and mgmt.name == 'vios1',
              'the management partition is %s %s' % (type(mgmt), mgmt.name))
        ci = rbd_conn(RBD_IMAGE, 'vol-rbd-1')
        st['drv'].attach_volume(ctx, ci, st['inst'], '/dev/sdf')
        for name in vioses():
            maps = vdisk_maps(name, st['lpar'].id, RBD_IMAGE)
            want = 1 if name == mgmt.name else 0
            check(len(maps) == want, '%s maps the image %d times' % (
                name, len(maps)))
        from nova_powervm.virt.powervm.volume import rbd
        vol_drv = rbd.RBDVolumeAdapter(a, st['sys'].uuid, st['inst'], ci)
        check(vol_drv.is_volume_on_vios(mgmt) == (True, RBD_IMAGE),
              'is_volume_on_vios: %s' % (vol_drv.is_volume_on_vios(mgmt),))
        # What a live migration's destination checks: the image is there.
        vol_drv.pre_live_migration_on_destination({})
        st['rbd_ci'] = ci
    step('attach_volume (rbd) maps the image on the management VIOS',
         rbd_attach, needs=made)

    def rbd_missing():
        ci = rbd_conn('volumes/no-such-image', 'vol-rbd-missing')
        from nova_powervm.virt.powervm.volume import rbd
        vol_drv = rbd.RBDVolumeAdapter(a, st['sys'].uuid, st['inst'], ci)
        exists, _ = vol_drv.is_volume_on_vios(vioses()['vios1'])
        check(not exists, 'RBDExists found an image the pool does not have')
        try:
            vol_drv.pre_live_migration_on_destination({})
        except p_exc.VolumePreMigrationFailed:
            pass
        else:
            raise harness.CheckFailed('pre_live_migration_on_destination '
                                      'found a missing image')
        try:
            st['drv'].attach_volume(ctx, ci, st['inst'], '/dev/sdg')
        except Exception as e:
            check('no-such-image' in str(e), 'attach failed with %r' % e)
        else:
            raise harness.CheckFailed('an image the pool does not have '
                                      'was attached')
        for name in vioses():
            check(not vdisk_maps(name, st['lpar'].id, 'volumes/no-such-image'),
                  '%s maps the missing image' % name)
    step('attach_volume (rbd) of an image the pool does not have fails',
         rbd_missing, needs=made)

    def rbd_detach():
        ci = st['rbd_ci']
        st['drv'].detach_volume(ctx, ci, st['inst'], '/dev/sdf')
        for name in vioses():
            check(not vdisk_maps(name, st['lpar'].id, RBD_IMAGE),
                  '%s still maps the image' % name)
        from pypowervm.tasks import hdisk
        check(hdisk.rbd_exists(a, vioses()['vios1'].uuid, RBD_IMAGE),
              'the image left the pool with its mapping')
    step('detach_volume (rbd) unmaps the image, which stays in the pool',
         rbd_detach, needs=['attach_volume (rbd) maps the image on the '
                            'management VIOS'])

    # --- Fibre Channel by NPIV ------------------------------------------------------
    def npiv_attach():
        CONF.set_override('fc_attach_strategy', 'npiv', group='powervm')
        CONF.set_override('fabrics', 'A', group='powervm')
        CONF.set_override('ports_per_fabric', 1, group='powervm')
        vs = vioses()
        pports = [p.wwpn for n in ('vios1', 'vios2') for p in vs[n].pfc_ports
                  if p.name == 'fcs0']
        from nova_powervm.conf import powervm as pvm_cfg
        CONF.set_override('fabric_A_port_wwpns', ','.join(pports),
                          group='powervm')
        # What nova-powervm does with the options when it starts.
        pvm_cfg.NPIV_FABRIC_WWPNS.clear()
        pvm_cfg._register_fabrics(CONF, pvm_cfg.NPIV_FABRIC_WWPNS)
        from nova_powervm.virt.powervm.volume import npiv
        drv_ci = {'driver_volume_type': 'fibre_channel', 'serial': 'vol-npiv',
                  'data': {'volume_id': 'vol-npiv'}}
        vol_drv = npiv.NPIVVolumeAdapter(a, st['sys'].uuid, st['inst'],
                                         drv_ci)
        wwpns = vol_drv.wwpns()
        check(len(wwpns) == 1 and len(wwpns[0]) == 16, 'WWPNs %s' % wwpns)
        ci = {'driver_volume_type': 'fibre_channel', 'serial': 'vol-npiv',
              'data': {'volume_id': 'vol-npiv', 'target_lun': 0,
                       'target_wwn': [p['wwpn'] for p in array_ports('ds8k')],
                       'initiator_target_map': {
                           wwpns[0]: [p['wwpn'] for p in array_ports('ds8k')
                                      if p['fabric'] == 'fabricA']}}}
        st['drv'].attach_volume(ctx, ci, st['inst'], '/dev/sde')
        found = []
        for v in vioses().values():
            for m in v.vfc_mappings:
                if (m.client_adapter and m.server_adapter.lpar_id ==
                        st['lpar'].id and wwpns[0].upper() in
                        [w.upper() for w in m.client_adapter.wwpns]):
                    found.append((v.name, m.backing_port and
                                  m.backing_port.name))
        check(len(found) == 1 and found[0][1] == 'fcs0',
              'virtual FC mappings with the WWPN: %s' % found)
        st['npiv'] = (found[0][0], wwpns, ci)
    step('attach_volume (fibre_channel, npiv) gives the partition a virtual '
         'FC adapter on fabric A', npiv_attach, needs=made)

    def npiv_login():
        lp = st['lpar']
        power.power_on(lp, st['sys'].uuid)
        harness.wait_for('the instance running', lambda: pvm_lpar.LPAR.get(
            a, uuid=lp.uuid).state == 'running', timeout=60)
        from pypowervm.wrappers import job
        j = job.Job.wrap(a.read('ManagementConsole', suffix_type='do',
                                suffix_parm='CLIRunner'))
        j.run_job(None, job_parms=[
            j.create_job_parameter('cmd', 'viosvrcmd -m %s -p %s -c "%s"' % (
                st['sys'].system_name, st['npiv'][0], 'lsmap -all -npiv')),
            j.create_job_parameter('acknowledgeThisAPIMayGoAwayInTheFuture',
                                   'true')])
        out = j.get_job_results_as_dict().get('stdOut', '')
        check('Status:LOGGED_IN' in out and st['lpar'].name in out,
              'lsmap -all -npiv:\n%s' % out)
        power.power_off(pvm_lpar.LPAR.get(a, uuid=lp.uuid), st['sys'].uuid,
                        force_immediate=True)
    step('the running instance logs into the fabric through the VIOS',
         npiv_login, needs=['attach_volume (fibre_channel, npiv) gives the '
                            'partition a virtual FC adapter on fabric A'])

    def npiv_detach():
        _, wwpns, ci = st['npiv']
        # A detach while the instance lives keeps the virtual FC adapter
        # (nova removes it only when the instance goes).
        st['drv'].detach_volume(ctx, ci, st['inst'], '/dev/sde')

        def count():
            return sum(1 for v in vioses().values() for m in v.vfc_mappings
                       if m.server_adapter.lpar_id == st['lpar'].id)
        check(count() == 1, '%d mappings after a detach' % count())
        st['inst'].task_state = 'deleting'
        st['drv'].detach_volume(ctx, ci, st['inst'], '/dev/sde')
        check(count() == 0, '%d mappings after the delete\'s detach' % count())
    step('detach_volume (npiv) keeps the adapter; on delete it goes',
         npiv_detach, needs=['attach_volume (fibre_channel, npiv) gives the '
                             'partition a virtual FC adapter on fabric A'])

    def cleanup():
        st['drv'].cleanup_host('novalink-test')
    step('nova cleanup_host stops the event listener', cleanup,
         needs=['the nova driver connects to pvmd'])

    return h.finish()


if __name__ == '__main__':
    raise SystemExit(main())
