#!/usr/bin/python3
"""Volumes from the SAN with pypowervm's task modules, unmodified:
tasks.hdisk (LUARecovery on ITLs, RemoveDevice, the iSCSI discovery and
removal, RBDExists), PV.pg83, tasks.scsi_mapper (vSCSI mappings of the
discovered disks), tasks.vfc_mapper (NPIV), tasks.storage.rescan_vstor and
tasks.cluster_ssp.crt_cluster_ssp, with their error paths.

pvmd runs with an inventory (san_test.go) that adds a third VIOS (in no
cluster) and a storage backend: volumes for
the VIOSes (an array v7k: fc_vol1 at LUN 20, fc_vol2 at LUN 21), an array ds8k with a
host that follows lpar10's virtual FC WWPNs (npiv_vol at LUN 0), an iSCSI
target with CHAP and an RBD image. Run by test/clients; see harness.py.
"""

import base64
import json
import os

import harness

ISCSI_IQN = 'iqn.2010-10.org.openstack:volume-iscsi1'
ISCSI_PORTAL = '192.0.2.50:3260'
CHAP_USER, CHAP_SECRET = 'cinder', 'chapsecret12'


def main():
    h = harness.Scenario('pypowervm SAN volumes')
    step, check = h.step, harness.check
    st = h.state
    inv = json.load(open(os.environ['PVM_TEST_INVENTORY']))

    import pypowervm.const as pc
    from pypowervm import exceptions as pvm_exc
    from pypowervm.tasks import cluster_ssp
    from pypowervm.tasks import hdisk
    from pypowervm.tasks import partition as tpar
    from pypowervm.tasks import power
    from pypowervm.tasks import scsi_mapper
    from pypowervm.tasks import storage as tstor
    from pypowervm.tasks import vfc_mapper
    from pypowervm.wrappers import cluster as pvm_clust
    from pypowervm.wrappers import logical_partition as pvm_lpar
    from pypowervm.wrappers import managed_system as pvm_ms
    from pypowervm.wrappers import storage as pvm_stor
    from pypowervm.wrappers import virtual_io_server as pvm_vios

    a = h.adapter()
    xags = [pc.XAG.VIO_STOR, pc.XAG.VIO_SMAP, pc.XAG.VIO_FMAP]

    def vioses():
        return {v.name: v for v in pvm_vios.VIOS.get(a, xag=xags)}

    def array_ports(name):
        for arr in inv['san']['arrays']:
            if arr['name'] == name:
                return [p['wwpn'].lower() for p in arr['ports']]
        raise KeyError(name)

    def viosvrcmd(vios, cmd):
        out = a.read('ManagementConsole', suffix_type='do',
                     suffix_parm='CLIRunner')
        from pypowervm.wrappers import job
        j = job.Job.wrap(out)
        j.run_job(None, job_parms=[
            j.create_job_parameter('cmd', 'viosvrcmd -m %s -p %s -c "%s"' % (
                st['sys'].system_name, vios, cmd)),
            j.create_job_parameter('acknowledgeThisAPIMayGoAwayInTheFuture',
                                   'true')])
        return j.get_job_results_as_dict().get('stdOut', '')

    def find():
        st['sys'] = pvm_ms.System.get(a)[0]
        vs = vioses()
        check(sorted(vs) == ['vios1', 'vios2', 'vios3'], 'VIOSes %s' % sorted(vs))
        for name in ('vios1', 'vios2'):
            wwpns = vs[name].get_active_pfc_wwpns()
            check(len(wwpns) == 2, '%s active FC ports %s' % (name, wwpns))
            st[name] = vs[name]
        st['lpar'] = pvm_lpar.LPAR.search(a, name='lpar10')[0]
        st['storwize'] = array_ports('v7k')
    step('the VIOSes, their active FC ports and the client are found', find)

    def itls(vios, lun, targets=None):
        """The ITLs as Cinder's initiator_target_map gives them: each port
        of the VIOS with the array's target on its fabric (fcs0 on fabricA,
        fcs1 on fabricB)."""
        out = []
        for p in st[vios].pfc_ports:
            ts = targets or [st['storwize'][0 if p.name == 'fcs0' else 1]]
            out += hdisk.build_itls([p.wwpn], ts, lun)
        return out

    # --- Fibre Channel by vSCSI --------------------------------------------
    def discover():
        for name in ('vios1', 'vios2'):
            status, dev, udid = hdisk.discover_hdisk(a, st[name].uuid,
                                                     itls(name, 20))
            check(hdisk.good_discovery(status, dev),
                  '%s: status %s device %s' % (name, status, dev))
            check(status == hdisk.LUAStatus.DEVICE_AVAILABLE,
                  '%s: status %s' % (name, status))
            v = pvm_vios.VIOS.get(a, uuid=st[name].uuid, xag=xags)
            check(v.hdisk_from_uuid(udid) == dev,
                  '%s has no disk with UDID %s' % (name, udid))
            st['fc_' + name] = (dev, udid)
        # The same volume on both: the same unique ID.
        check(st['fc_vios1'][1] == st['fc_vios2'][1], 'UDIDs differ')
    step('LUARecovery on the ITLs discovers the FC volume on both VIOSes',
         discover)

    def again():
        status, dev, udid = hdisk.lua_recovery(a, st['vios1'].uuid,
                                               itls('vios1', 20))
        check((status, dev, udid) == (hdisk.LUAStatus.DEVICE_AVAILABLE,) +
              st['fc_vios1'], 'again: %s %s %s' % (status, dev, udid))
    step('a second discovery finds the same hdisk', again, needs=[
        'LUARecovery on the ITLs discovers the FC volume on both VIOSes'])

    def pg83():
        v = pvm_vios.VIOS.get(a, uuid=st['vios1'].uuid, xag=xags)
        dev = st['fc_vios1'][0]
        pv = [p for p in v.phys_vols if p.name == dev][0]
        naa = pv.pg83
        check(naa and len(naa) == 32 and naa.startswith('6005076'),
              'pg83 %r' % naa)
        # And through the QUERY_INVENTORY job, as pypowervm falls back to.
        by_job = hdisk.get_pg83_via_job(a, st['vios1'].uuid, pv.udid)
        check(base64.b64decode(by_job).decode() == naa,
              'pg83 by job %r, by PV %r' % (by_job, naa))
        st['naa'] = naa
    step('PV.pg83 reads the page 83 NAA descriptor of the disk', pg83,
         needs=['LUARecovery on the ITLs discovers the FC volume on both VIOSes'])

    def with_pg83():
        status, dev, _ = hdisk.lua_recovery(
            a, st['vios1'].uuid, itls('vios1', 20),
            device_id=base64.b64encode(st['naa'].encode()).decode())
        check(status == hdisk.LUAStatus.DEVICE_AVAILABLE and dev,
              'with the right page 83 ID: %s %s' % (status, dev))
        status, dev, _ = hdisk.lua_recovery(
            a, st['vios1'].uuid, itls('vios1', 20),
            device_id=base64.b64encode(b'6005076' + b'0' * 25).decode())
        check(status == hdisk.LUAStatus.FOUND_DEVICE_UNKNOWN_UDID and not dev,
              'with another page 83 ID: %s %s' % (status, dev))
    step('a discovery with a page 83 ID finds only that volume', with_pg83,
         needs=['PV.pg83 reads the page 83 NAA descriptor of the disk'])

    def bad_itls():
        # No volume at that LUN for this host.
        status, dev, _ = hdisk.discover_hdisk(a, st['vios1'].uuid,
                                              itls('vios1', 99))
        check(status == hdisk.LUAStatus.INCORRECT_ITL and dev is None,
              'no LUN: %s %s' % (status, dev))
        # A target that is not the array's.
        status, dev, _ = hdisk.lua_recovery(
            a, st['vios1'].uuid, itls('vios1', 20, ['500507680b999999']))
        check(status == hdisk.LUAStatus.INCORRECT_ITL and dev is None,
              'wrong target: %s %s' % (status, dev))
        # One good path, one wrong: found, with the ITL error.
        good = itls('vios1', 20)[0]
        bad = hdisk.ITL(good.initiator, '500507680b999999', 20)
        status, dev, _ = hdisk.lua_recovery(a, st['vios1'].uuid, [good, bad])
        check(status == hdisk.LUAStatus.FOUND_ITL_ERR and
              dev == st['fc_vios1'][0], 'one bad ITL: %s %s' % (status, dev))
        check(hdisk.good_discovery(status, dev), 'not a good discovery')
        # ITLs to two volumes at once.
        mixed = itls('vios1', 20)[:1] + itls('vios1', 21)[:1]
        status, dev, _ = hdisk.lua_recovery(a, st['vios1'].uuid, mixed)
        check(status == hdisk.LUAStatus.INCORRECT_ITL and dev is None,
              'two devices: %s %s' % (status, dev))
    step('LUARecovery on ITLs that lead nowhere, partly or to two volumes',
         bad_itls, needs=['the VIOSes, their active FC ports and the client are found'])

    def map_vscsi():
        for name in ('vios1', 'vios2'):
            dev, udid = st['fc_' + name]
            pv = pvm_stor.PV.bld(a, dev, udid=udid)
            scsi_mapper.add_vscsi_mapping(st['sys'].uuid, st[name].uuid,
                                          st['lpar'].uuid, pv)
        for name in ('vios1', 'vios2'):
            v = pvm_vios.VIOS.get(a, uuid=st[name].uuid, xag=xags)
            maps = scsi_mapper.find_maps(
                v.scsi_mappings, st['lpar'].id,
                scsi_mapper.gen_match_func(pvm_stor.PV,
                                           names=[st['fc_' + name][0]]))
            check(len(maps) == 1, '%s: %d mappings' % (name, len(maps)))
            out = viosvrcmd(name, 'lsmap -all')
            check(st['fc_' + name][0] in out, 'lsmap -all on %s:\n%s' % (
                name, out))
    step('the discovered disk is mapped to the client through both VIOSes '
         'and lsmap -all shows it', map_vscsi, needs=[
             'LUARecovery on the ITLs discovers the FC volume on both VIOSes'])

    def in_use():
        status, dev, _ = hdisk.lua_recovery(a, st['vios1'].uuid,
                                            itls('vios1', 20))
        check(status == hdisk.LUAStatus.DEVICE_IN_USE and
              dev == st['fc_vios1'][0], 'mapped disk: %s %s' % (status, dev))
        try:
            hdisk.remove_hdisk(a, 'novalink', st['fc_vios1'][0],
                               st['vios1'].uuid)
        except pvm_exc.JobRequestFailed as e:
            check('mapping' in str(e), 'refusal %s' % e)
        else:
            raise harness.CheckFailed('RemoveDevice removed a mapped disk')
        v = pvm_vios.VIOS.get(a, uuid=st['vios1'].uuid, xag=xags)
        check(v.hdisk_from_uuid(st['fc_vios1'][1]), 'the mapped disk is gone')
    step('a mapped disk is in use: RemoveDevice refuses it', in_use, needs=[
        'the discovered disk is mapped to the client through both VIOSes '
        'and lsmap -all shows it'])

    def unmap_remove():
        for name in ('vios1', 'vios2'):
            _, removed = scsi_mapper.remove_pv_mapping(
                a, st[name].uuid, st['lpar'].id, st['fc_' + name][0])
            check(len(removed) == 1, '%s: %d removed' % (name, len(removed)))
            hdisk.remove_hdisk(a, 'novalink', st['fc_' + name][0],
                               st[name].uuid)
            v = pvm_vios.VIOS.get(a, uuid=st[name].uuid, xag=xags)
            check(v.hdisk_from_uuid(st['fc_' + name][1]) is None,
                  '%s still has the disk' % name)
    step('unmapped, the disk is removed with RemoveDevice', unmap_remove,
         needs=['a mapped disk is in use: RemoveDevice refuses it'])

    # --- iSCSI --------------------------------------------------------------
    def initiator():
        name = hdisk.discover_iscsi_initiator(a, st['vios1'].uuid)
        check(name.startswith('iqn.') and 'vios1' in name, 'initiator %r' % name)
    step('ISCSIDiscovery tells the VIOS initiator name', initiator,
         needs=['the VIOSes, their active FC ports and the client are found'])

    def iscsi_chap_fails():
        try:
            hdisk.discover_iscsi(a, ISCSI_PORTAL, CHAP_USER, 'wrong-secret!',
                                 ISCSI_IQN, st['vios1'].uuid, lunid=1,
                                 auth='CHAP')
        except pvm_exc.ISCSIDiscoveryFailed as e:
            check('24' in str(e), 'failure %s' % e)
        else:
            raise harness.CheckFailed('a login with the wrong CHAP secret worked')
        try:
            hdisk.discover_iscsi(a, '192.0.2.99:3260', CHAP_USER, CHAP_SECRET,
                                 ISCSI_IQN, st['vios1'].uuid, lunid=1,
                                 auth='CHAP')
        except pvm_exc.ISCSIDiscoveryFailed as e:
            check('status: 8' in str(e) or '8' in str(e), 'failure %s' % e)
        else:
            raise harness.CheckFailed('a portal that does not answer worked')
    step('an iSCSI login with a wrong CHAP secret or portal fails with its '
         'return code', iscsi_chap_fails,
         needs=['the VIOSes, their active FC ports and the client are found'])

    def iscsi_login():
        dev, udid = hdisk.discover_iscsi(a, ISCSI_PORTAL, CHAP_USER,
                                         CHAP_SECRET, ISCSI_IQN,
                                         st['vios1'].uuid, lunid=1,
                                         auth='CHAP')
        check(dev and dev.startswith('hdisk'), 'device %r' % dev)
        v = pvm_vios.VIOS.get(a, uuid=st['vios1'].uuid, xag=xags)
        check(v.hdisk_from_uuid(udid) == dev, 'no disk %s' % udid)
        st['iscsi'] = (dev, udid)
        again = hdisk.discover_iscsi(a, ISCSI_PORTAL, CHAP_USER, CHAP_SECRET,
                                     ISCSI_IQN, st['vios1'].uuid, lunid=1,
                                     auth='CHAP')
        check(again == (dev, udid), 'the session again: %s' % (again,))
    step('ISCSIDiscovery logs in with CHAP and the LUN appears as an hdisk',
         iscsi_login, needs=['ISCSIDiscovery tells the VIOS initiator name'])

    def iscsi_remove():
        hdisk.remove_iscsi(a, ISCSI_IQN, st['vios1'].uuid, lun=1,
                           portal=ISCSI_PORTAL)
        v = pvm_vios.VIOS.get(a, uuid=st['vios1'].uuid, xag=xags)
        check(v.hdisk_from_uuid(st['iscsi'][1]) is None, 'the disk stays')
        # Nothing left to remove is no error.
        hdisk.remove_iscsi(a, ISCSI_IQN, st['vios1'].uuid, lun=1,
                           portal=ISCSI_PORTAL)
    step('ISCSIRemove logs out and the hdisk goes', iscsi_remove,
         needs=['ISCSIDiscovery logs in with CHAP and the LUN appears as an '
                'hdisk'])

    # --- RBD ----------------------------------------------------------------
    def rbd():
        check(hdisk.rbd_exists(a, st['vios1'].uuid, 'volumes/volume-rbd1'),
              'the image does not exist')
        check(not hdisk.rbd_exists(a, st['vios1'].uuid, 'volumes/nothing'),
              'an image that is not there exists')
        ref = pvm_stor.RBD.bld_ref(a, 'volumes/volume-rbd1', tag='rbd1',
                                   user='admin')
        scsi_mapper.add_vscsi_mapping(st['sys'].uuid, st['vios1'].uuid,
                                      st['lpar'].uuid, ref)
        v = pvm_vios.VIOS.get(a, uuid=st['vios1'].uuid, xag=xags)
        maps = scsi_mapper.find_maps(
            v.scsi_mappings, st['lpar'].id,
            scsi_mapper.gen_match_func(pvm_stor.VDisk,
                                       names=['volumes/volume-rbd1']))
        check(len(maps) == 1, '%d RBD mappings' % len(maps))
        removed = scsi_mapper.remove_maps(
            v, st['lpar'].id, scsi_mapper.gen_match_func(
                pvm_stor.VDisk, names=['volumes/volume-rbd1']))
        check(len(removed) == 1, '%d removed' % len(removed))
        v.update()
    step('RBDExists finds the image, which is mapped and unmapped', rbd,
         needs=['the VIOSes, their active FC ports and the client are found'])

    # --- NPIV -----------------------------------------------------------------
    def npiv():
        lpar = st['lpar']
        wwpns = vfc_mapper.build_wwpn_pair(a, st['sys'].uuid)
        vs = [v for v in vioses().values() if v.name in ('vios1', 'vios2')]
        p_wwpns = [p.wwpn for v in vs for p in v.pfc_ports
                   if p.name == 'fcs0']
        port_maps = vfc_mapper.derive_npiv_map(vs, p_wwpns, wwpns)
        check(len(port_maps) == 1, 'port maps %s' % port_maps)
        vios_w, _ = vfc_mapper.find_vios_for_wwpn(vs, port_maps[0][0])
        check(vfc_mapper.add_map(vios_w, st['sys'].uuid, lpar.uuid,
                                 port_maps[0]) is not None, 'no mapping added')
        vios_w.update()
        st['npiv'] = (vios_w.name, wwpns)
        out = viosvrcmd(vios_w.name, 'lsmap -all -npiv')
        check('NOT_LOGGED_IN' in out, 'before power on:\n%s' % out)
        power.power_on(lpar, st['sys'].uuid)
        harness.wait_for('lpar10 running', lambda: pvm_lpar.LPAR.get(
            a, uuid=lpar.uuid).state == 'running', timeout=60)
        out = viosvrcmd(vios_w.name, 'lsmap -all -npiv')
        # Open zoning: the WWPN sees every target port on fabricA (two of
        # storwize1, one of v7k, two of ds8k).
        check('Status:LOGGED_IN' in out and 'Ports logged in:5' in out,
              'lsmap -all -npiv:\n%s' % out)
        out = viosvrcmd(vios_w.name, 'lsnports')
        check('fcs0' in out and '63' in out.split('fcs0')[1].split('\n')[0],
              'lsnports:\n%s' % out)
    step('NPIV: the client gets WWPNs, is mapped to a port and, running, '
         'logs into the fabric', npiv,
         needs=['the VIOSes, their active FC ports and the client are found'])

    def npiv_refusals():
        _, wwpns = st['npiv']
        vs = vioses()
        others = {n: pvm_lpar.LPAR.search(a, name=n)[0]
                  for n in ('lpar11', 'lpar12')}

        def add(vname, lpar, port_name, v_wwpns, want):
            v = pvm_vios.VIOS.get(a, uuid=vs[vname].uuid, xag=xags)
            before = len(v.vfc_mappings)
            port = [p.wwpn for p in v.pfc_ports if p.name == port_name][0]
            vfc_mapper.add_map(v, st['sys'].uuid, lpar.uuid,
                               (port, v_wwpns))
            try:
                v.update()
            except pvm_exc.HttpError as e:
                body = str(e.response.body)
                check(e.response.status in (400, 409) and want in body,
                      'refusal %s %s' % (e.response.status, body))
            else:
                raise harness.CheckFailed('%s on %s %s was mapped' % (
                    v_wwpns, vname, port_name))
            v = pvm_vios.VIOS.get(a, uuid=vs[vname].uuid, xag=xags)
            check(len(v.vfc_mappings) == before,
                  'the refused mapping left something behind')

        # The WWPNs lpar10's adapter logs in with, and a target port's.
        add('vios2', others['lpar11'], 'fcs1', ' '.join(wwpns),
            'must be unique across the SAN')
        add('vios2', others['lpar11'], 'fcs1',
            '%s c0507600000099fe' % array_ports('v7k')[1],
            'must be unique across the SAN')
        # vios3's fcs0 is cabled with one NPIV connection: the first
        # client takes it, the second is refused.
        v3 = pvm_vios.VIOS.get(a, uuid=vs['vios3'].uuid, xag=xags)
        fcs0 = [p.wwpn for p in v3.pfc_ports if p.name == 'fcs0'][0]
        vfc_mapper.add_map(v3, st['sys'].uuid, others['lpar11'].uuid,
                           (fcs0, vfc_mapper._FUSED_ANY_WWPN))
        v3.update()
        add('vios3', others['lpar12'], 'fcs0', vfc_mapper._FUSED_ANY_WWPN,
            'has no free NPIV connection')
        out = viosvrcmd('vios3', 'lsnports')
        row = [ln.split() for ln in out.splitlines() if ln.startswith('fcs0')]
        check(row and row[0][3:5] == ['1', '0'], 'lsnports:\n%s' % out)
    step('NPIV: a WWPN in use elsewhere on the SAN and a port without free '
         'NPIV connections are refused', npiv_refusals,
         needs=['NPIV: the client gets WWPNs, is mapped to a port and, '
                'running, logs into the fabric'])

    # --- rescan and cluster ------------------------------------------------------
    def rescan():
        try:
            tstor.rescan_vstor(st['vios1'].uuid, '01bm90aGVyZQ==', adapter=a)
        except pvm_exc.VstorNotFound:
            pass
        else:
            raise harness.CheckFailed('a rescan of no disk succeeded')
        v = pvm_vios.VIOS.get(a, uuid=st['vios1'].uuid, xag=xags)
        pv = [p for p in v.phys_vols if p.name == 'hdisk5'][0]
        tstor.rescan_vstor(v, pv.udid)
    step('RescanVirtualDisk rescans a disk and says when there is none',
         rescan, needs=['the VIOSes, their active FC ports and the client are found'])

    def cluster():
        vs = vioses()
        v3 = vs['vios3']
        disks = {p.name: p for p in v3.phys_vols}
        repos = pvm_stor.PV.bld(a, 'hdisk5', udid=disks['hdisk5'].udid)
        data = [pvm_stor.PV.bld(a, 'hdisk6', udid=disks['hdisk6'].udid)]
        node = pvm_clust.Node.bld(a, vios_uri=v3.href)
        cluster_ssp.crt_cluster_ssp('cluster2', 'pool2', repos, node, data)
        clusters = {c.name: c for c in pvm_clust.Cluster.get(a)}
        check('cluster2' in clusters, 'clusters %s' % sorted(clusters))
        pools = {s.name: s for s in pvm_stor.SSP.get(a)}
        check('pool2' in pools and pools['pool2'].capacity > 90,
              'pools %s' % {n: p.capacity for n, p in pools.items()})
        # A VIOS already in a cluster cannot start another.
        try:
            cluster_ssp.crt_cluster_ssp(
                'cluster3', 'pool3', repos,
                pvm_clust.Node.bld(a, vios_uri=vs['vios1'].href), data)
        except pvm_exc.JobRequestFailed as e:
            check('node of' in str(e) or 'belongs to' in str(e), '%s' % e)
        else:
            raise harness.CheckFailed('a second cluster on vios1 was made')
    step('crt_cluster_ssp makes a cluster and pool over free shared disks',
         cluster, needs=['the VIOSes, their active FC ports and the client are found'])

    return h.finish()


if __name__ == '__main__':
    raise SystemExit(main())
