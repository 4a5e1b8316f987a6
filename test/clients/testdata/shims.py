"""The adjustments that let the old PowerVM agents run on Debian 12's
OpenStack (Nova 26, Neutron 21, Ceilometer 19). The agents' trees stay
unmodified; each shim below is named for what changed and applied only by
the scenarios that need it. Nothing here stands in for pvmd: the PowerVM
side is always the real one.
"""


def nova_powervm_options():
    """Nova 26 no longer defines [powervm] disk_driver, proc_units_factor
    and volume_group_name (they came with Nova's own PowerVM driver, since
    removed); nova-powervm reads them but registers only the options it
    added on top. Register them with the defaults Nova gave them."""
    from oslo_config import cfg
    import nova.conf
    conf = nova.conf.CONF
    opts = [
        cfg.FloatOpt('proc_units_factor', default=0.1, min=0.05, max=1),
        cfg.StrOpt('disk_driver', default='localdisk',
                   choices=['localdisk', 'ssp'], ignore_case=True),
        cfg.StrOpt('volume_group_name', default=''),
    ]
    conf.register_group(cfg.OptGroup('powervm'))
    for opt in opts:
        try:
            conf.register_opt(opt, group='powervm')
        except cfg.DuplicateOptError:
            pass


def nova_image_api(api_class):
    """Nova 26 has no nova.image.API (it became nova.image.glance.API);
    nova-powervm's driver and disk adapters call nova.image.API(). Point it
    at api_class: the test's Glance (Nova's database and Glance are the
    parts a test may provide itself)."""
    import nova.image
    nova.image.API = api_class


def nova_spawn_accel_info():
    """Nova 26's compute manager passes accel_info (accelerator requests,
    Cyborg) to ComputeDriver.spawn; nova-powervm's spawn predates it. Accept
    it, and refuse accelerators, which PowerVM has none of here."""
    from nova_powervm.virt.powervm import driver
    spawn = driver.PowerVMDriver.spawn
    if getattr(spawn, 'accepts_accel_info', False):
        return

    def spawn_with_accel_info(self, *args, **kwargs):
        accel_info = kwargs.pop('accel_info', None)
        if accel_info:
            raise NotImplementedError('accelerators: %r' % (accel_info,))
        return spawn(self, *args, **kwargs)
    spawn_with_accel_info.accepts_accel_info = True
    driver.PowerVMDriver.spawn = spawn_with_accel_info


def neutron_common_config():
    """Neutron 21 registers its common options ([agent], core_plugin, ...)
    only when register_common_config_options() is called (older releases
    did it on import of neutron.common.config), and networking-powervm's
    agent reads them."""
    from neutron.common import config as n_config
    if hasattr(n_config, 'register_common_config_options'):
        n_config.register_common_config_options()


def ceilometer_interface_stats():
    """Ceilometer 19's InterfaceStats gained rx_bytes_delta and
    tx_bytes_delta, with no default; ceilometer-powervm's inspector builds
    it without them. Default both to None: the inspector reports totals
    (and rates through inspect_vnic_rates), not deltas."""
    from ceilometer.compute.virt import inspector
    fields = inspector.InterfaceStats._fields
    if fields[-2:] == ('rx_bytes_delta', 'tx_bytes_delta'):
        inspector.InterfaceStats.__new__.__defaults__ = (None, None)


def nova_powervm_migrate_data():
    """Nova 26 no longer has PowerVMLiveMigrateData (it left with Nova's
    own PowerVM driver); nova-powervm's live migration builds one on the
    destination and fills it on both hosts. Define it where nova-powervm
    looks for it: a LiveMigrateData with the fields nova-powervm reads and
    writes (the target's migration data, address, user, system name and
    processor compatibility modes, the source's public key, the volume and
    VLAN mappings)."""
    from nova.objects import base as obj_base
    from nova.objects import fields as obj_fields
    from nova.objects import migrate_data
    if hasattr(migrate_data, 'PowerVMLiveMigrateData'):
        return

    @obj_base.NovaObjectRegistry.register
    class PowerVMLiveMigrateData(migrate_data.LiveMigrateData):
        VERSION = '1.0'
        fields = {
            'host_mig_data': obj_fields.DictOfNullableStringsField(),
            'dest_ip': obj_fields.StringField(),
            'dest_user_id': obj_fields.StringField(),
            'dest_sys_name': obj_fields.StringField(),
            'dest_proc_compat': obj_fields.StringField(),
            'public_key': obj_fields.StringField(),
            'vol_data': obj_fields.DictOfNullableStringsField(),
            'vea_vlan_mappings': obj_fields.DictOfNullableStringsField(),
        }
    migrate_data.PowerVMLiveMigrateData = PowerVMLiveMigrateData
