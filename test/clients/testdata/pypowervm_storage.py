#!/usr/bin/python3
"""Storage test of pvmd with the real pypowervm client library: what
nova-powervm does with a shared storage pool and the virtual media
repository.

Run by test/clients (scenario_test.go) against a fresh pvmd; see harness.py.
"""

import hashlib
import io
import sys

import harness


def main():
    h = harness.Scenario('pypowervm storage test')
    step, check = h.step, harness.check

    import pypowervm.adapter as adp
    import pypowervm.const as pc
    from pypowervm import exceptions as pvm_exc
    from pypowervm.tasks import scsi_mapper
    from pypowervm.tasks import storage as tstor
    from pypowervm.tasks import vfc_mapper
    from pypowervm.wrappers import logical_partition as pvm_lpar
    from pypowervm.wrappers import managed_system as pvm_ms
    from pypowervm.wrappers import storage as pvm_stor
    from pypowervm.wrappers import vios_file as pvm_file
    from pypowervm.wrappers import virtual_io_server as pvm_vios

    st = {}

    def logon():
        sess = adp.Session(host='localhost', username='padmin',
                           password=harness.PASSWORD, protocol='http',
                           port=harness.HTTP_PORT)
        check(sess.mc_type == 'PVM', 'mc_type %r, want PVM' % sess.mc_type)
        st['adapter'] = adp.Adapter(sess)
        st['host'] = pvm_ms.System.get(st['adapter'])[0].uuid
    step('pypowervm logs on with a password', logon)

    def find_objects():
        a = st['adapter']
        ssps = pvm_stor.SSP.get(a)
        check(len(ssps) == 1, '%d shared storage pools' % len(ssps))
        ssp = ssps[0]
        check(ssp.name == 'pool1', 'pool %r' % ssp.name)
        check(ssp.capacity > 1000 and 0 < ssp.free_space <= ssp.capacity,
              'capacity %s free %s' % (ssp.capacity, ssp.free_space))
        st['ssp'] = ssp
        st['free0'] = ssp.free_space
        tier = tstor.default_tier_for_ssp(ssp)
        check(tier.is_default and tier.name == 'SYSTEM', 'tier %r' % tier.name)
        check(tier.ssp_uuid == ssp.uuid, 'tier pool %s' % tier.ssp_uuid)
        st['tier'] = tier
        vioses = {v.name: v for v in pvm_vios.VIOS.get(
            a, xag=[pc.XAG.VIO_STOR, pc.XAG.VIO_SMAP, pc.XAG.VIO_FMAP])}
        check('vios1' in vioses, 'VIOSes %s' % sorted(vioses))
        v = vioses['vios1']
        check(len(v.phys_vols) >= 5, '%d physical volumes' % len(v.phys_vols))
        check(any(pv.avail_for_use for pv in v.phys_vols),
              'no physical volume available for use')
        check(len(v.pfc_ports) == 2, '%d FC ports' % len(v.pfc_ports))
        check(v.media_repository is not None, 'no media repository')
        st['vios'] = v
        st['repo0'] = len(pvm_stor.VMediaRepos.wrap(
            v.media_repository).optical_media)
        lpars = pvm_lpar.LPAR.search(a, name='lpar10')
        check(len(lpars) == 1, '%d LPARs named lpar10' % len(lpars))
        st['lpar'] = lpars[0]
    step('the SSP, its default tier and the VIOS storage are found', find_objects)

    image = b'PowerVM image bits ' * 60000  # about 1 MB
    image_sha = hashlib.sha256(image).hexdigest()

    def upload_image():
        lu, maybe_file = tstor.upload_new_lu(
            st['vios'].uuid, st['ssp'], io.BytesIO(image), 'image_smoke_1',
            len(image), sha_chksum=image_sha)
        check(maybe_file is None, 'the File record was not cleaned up')
        check(lu.lu_type == pvm_stor.LUType.IMAGE, 'type %r' % lu.lu_type)
        check(lu.udid and lu.udid.startswith('29'), 'udid %r' % lu.udid)
        resp = st['adapter'].read(pvm_file.File.schema_type, service='web')
        check(resp.status == 204 or not resp.feed.entries,
              'File records left: %s' % resp.body)
        st['image'] = lu
    step('tasks.storage.upload_new_lu uploads an image LU', upload_image)

    def bad_upload():
        # A checksum that does not match is refused; nothing is left.
        f = pvm_file.File.bld(st['adapter'], 'image_smoke_1',
                              pvm_file.FileType.DISK_IMAGE, st['vios'].uuid,
                              sha_chksum='0' * 64, f_size=len(image),
                              tdev_udid=st['image'].udid).create()
        try:
            st['adapter'].upload_file(f.element, io.BytesIO(image))
            raise harness.CheckFailed('an upload with a wrong checksum passed')
        except pvm_exc.HttpError as e:
            check(e.response.status == 400, 'status %s' % e.response.status)
            check('SHA-256' in e.response.body, e.response.body)
        finally:
            f.adapter.delete(f.schema_type, root_id=f.uuid, service='web')
    step('an upload with a wrong checksum is refused', bad_upload)

    def clone():
        tier, lu = tstor.crt_lu(st['tier'], 'boot_smoke_1', 0,
                                clone=st['image'])
        check(lu.cloned_from_udid == st['image'].udid,
              'cloned from %r' % lu.cloned_from_udid)
        check(lu.lu_type == pvm_stor.LUType.DISK and lu.is_thin,
              'type %r thin %r' % (lu.lu_type, lu.is_thin))
        check(lu.capacity >= st['image'].capacity, 'capacity %s' % lu.capacity)
        st['clone'] = lu
        ssp, other = tstor.crt_lu(st['ssp'], 'thin_smoke_1', 1)
        check(any(x.name == 'thin_smoke_1' for x in ssp.logical_units),
              'the refreshed pool lacks the new LU')
        st['ssp'], st['other'] = ssp, other
    step('tasks.storage.crt_lu makes a linked clone of the image', clone)

    def map_lu():
        vw = scsi_mapper.add_vscsi_mapping(
            st['host'], st['vios'].uuid, st['lpar'].uuid, st['clone'])
        maps = scsi_mapper.find_maps(vw.scsi_mappings,
                                     client_lpar_id=st['lpar'].uuid,
                                     stg_elem=st['clone'])
        check(len(maps) == 1, '%d mappings of the clone' % len(maps))
        m = maps[0]
        check(m.server_adapter.name.startswith('vhost'),
              'server adapter %r' % m.server_adapter.name)
        check(m.client_adapter.lpar_slot_num > 1,
              'client slot %r' % m.client_adapter.lpar_slot_num)
        check(m.target_dev.name.startswith('vtscsi'),
              'target %r' % m.target_dev.name)
        lus = pvm_stor.LUEnt.get(st['adapter'], parent=st['tier'])
        check([x.in_use for x in lus if x.udid == st['clone'].udid] == [True],
              'the clone is not in use')
        # Mapping it again finds the existing mapping.
        vw2 = scsi_mapper.add_vscsi_mapping(
            st['host'], vw, st['lpar'].uuid, st['clone'])
        check(len(scsi_mapper.find_maps(vw2.scsi_mappings,
                                        client_lpar_id=st['lpar'].uuid)) == 1,
              'mapping twice made two mappings')
    step('tasks.scsi_mapper.add_vscsi_mapping maps an LU to an LPAR', map_lu)

    iso = b'\x00CD001' + b'\x11' * 200000

    def upload_vopt():
        ref, f_wrap = tstor.upload_vopt(st['adapter'], st['vios'].uuid,
                                        io.BytesIO(iso), 'cfg_smoke_1.iso',
                                        f_size=len(iso))
        check(f_wrap is None, 'the File record was not cleaned up')
        check(ref.name == 'cfg_smoke_1.iso', 'media %r' % ref.name)
        vw = pvm_vios.VIOS.get(st['adapter'], uuid=st['vios'].uuid,
                               xag=[pc.XAG.VIO_STOR])
        names = [m.name for m in pvm_stor.VMediaRepos.wrap(
            vw.media_repository).optical_media]
        check('cfg_smoke_1.iso' in names, 'repository %s' % names)
        vw = scsi_mapper.add_vscsi_mapping(st['host'], st['vios'].uuid,
                                           st['lpar'].uuid, ref)
        maps = scsi_mapper.find_maps(vw.scsi_mappings,
                                     client_lpar_id=st['lpar'].uuid)
        check(len(maps) == 2, '%d mappings of the LPAR' % len(maps))
        vopt = [m for m in maps
                if isinstance(m.backing_storage, pvm_stor.VOptMedia)]
        check(len(vopt) == 1 and vopt[0].target_dev.name.startswith('vtopt'),
              'no vopt mapping')
        check(vopt[0].server_adapter.name == maps[0].server_adapter.name,
              'the ISO is on another vhost')
    step('tasks.storage.upload_vopt uploads an ISO that maps as VOptMedia', upload_vopt)

    def unmap():
        vw = pvm_vios.VIOS.get(st['adapter'], uuid=st['vios'].uuid,
                               xag=[pc.XAG.VIO_SMAP])
        removed = scsi_mapper.remove_maps(vw, st['lpar'].uuid)
        check(len(removed) == 2, '%d mappings removed' % len(removed))
        vw = vw.update()
        check(not scsi_mapper.find_maps(vw.scsi_mappings,
                                        client_lpar_id=st['lpar'].uuid),
              'mappings left')
    step('tasks.scsi_mapper.remove_maps removes the mappings of an LPAR', unmap)

    def remove_vopt():
        vw, vg = tstor.find_vg(st['adapter'], 'rootvg', vios_name='vios1')
        media = [m for m in vg.vmedia_repos[0].optical_media
                 if m.name == 'cfg_smoke_1.iso']
        check(len(media) == 1, 'media %s' % media)
        vg = tstor.rm_vg_storage(vg, vopts=media)
        names = [m.name for m in vg.vmedia_repos[0].optical_media]
        check('cfg_smoke_1.iso' not in names, 'media left: %s' % names)
    step('tasks.storage.rm_vg_storage removes the ISO', remove_vopt)

    def rm_lus():
        tstor.rm_tier_storage([st['clone'], st['other']], tier=st['tier'])
        left = [x.name for x in
                pvm_stor.LUEnt.get(st['adapter'], parent=st['tier'])]
        for n in ('boot_smoke_1', 'image_smoke_1', 'thin_smoke_1'):
            check(n not in left, '%s left: %s' % (n, left))
        ssp = st['ssp'].refresh()
        check(abs(ssp.free_space - st['free0']) < 0.01,
              'pool free %s, was %s' % (ssp.free_space, st['free0']))
    step('tasks.storage.rm_tier_storage removes the clone and its image', rm_lus)

    def wwpns():
        pair = vfc_mapper.build_wwpn_pair(st['adapter'], st['host'],
                                          pair_count=2)
        check(len(pair) == 4 and all(len(w) == 16 for w in pair),
              'wwpns %s' % pair)
    step('tasks.vfc_mapper.build_wwpn_pair gets new WWPNs', wwpns)

    return h.finish()


if __name__ == '__main__':
    sys.exit(main())
