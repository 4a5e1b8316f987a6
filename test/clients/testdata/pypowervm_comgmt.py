#!/usr/bin/python3
"""Co-management of pvmd with the real pypowervm client library.

Run by test/clients (scenario_test.go) against a fresh pvmd; see harness.py.

pypowervm's tasks.master_mode.request_master / release_master run
unmodified as NovaLink (padmin) and as the HMC (hscroot); each side reads
the ManagedSystem's master flags (System.session_is_master and the
co-management elements); the ManagementConsole wrapper reads the console;
a CLIRunner job runs as pypowervm's _remove_hdisk_classic sends it.

"""

import sys

import harness


def main():
    h = harness.Scenario('pypowervm co-management test')
    step, check = h.step, harness.check

    import pypowervm.adapter as adp
    import pypowervm.const as pc
    import pypowervm.exceptions as pexc
    from pypowervm.tasks import master_mode
    from pypowervm.wrappers import job as pvm_job
    from pypowervm.wrappers import managed_system as pvm_ms
    from pypowervm.wrappers import management_console as pvm_mc

    st = {}

    def logon():
        for who, user, pw in (('nl', 'padmin', harness.PASSWORD),
                              ('hmc', 'hscroot', harness.HMC_PASSWORD)):
            sess = adp.Session(host='localhost', username=user, password=pw,
                               protocol='http', port=harness.HTTP_PORT)
            st[who] = adp.Adapter(sess)
    step('log on as padmin (NovaLink) and hscroot (the HMC)', logon)

    def system(who):
        systems = pvm_ms.System.get(st[who])
        check(len(systems) == 1, '%d managed systems' % len(systems))
        return systems[0]

    def flags(who):
        s = system(who)
        el = s.element
        return (s.session_is_master,
                el.findtext('IsManagementPartitionPowerVMManagementMaster'),
                el.findtext('IsHMCPowerVMManagementMaster'))

    def expect(nl_master, hmc_master, who_master):
        """who_master: 'nl', 'hmc' or None."""
        for who in ('nl', 'hmc'):
            mine, nl, hmc = flags(who)
            check(mine == (who == who_master),
                  '%s: session_is_master %r, master %r' % (who, mine,
                                                           who_master))
            check(nl == str(nl_master).lower(),
                  '%s: IsManagementPartitionPowerVMManagementMaster %r'
                  % (who, nl))
            check(hmc == str(hmc_master).lower(),
                  '%s: IsHMCPowerVMManagementMaster %r' % (who, hmc))

    step('NovaLink is master: both sessions see it',
         lambda: expect(True, False, 'nl'))

    step('the HMC: master_mode.request_master(msys) (norm)',
         lambda: master_mode.request_master(system('hmc')))
    step('the HMC is master: both sessions see it',
         lambda: expect(False, True, 'hmc'))

    def nl_refused():
        try:
            master_mode.release_master(system('nl'))
        except pexc.JobRequestFailed as e:
            check('not the PowerVM management master' in str(e),
                  'message: %s' % e)
            return
        raise harness.CheckFailed('NovaLink released what it does not hold')
    step('NovaLink: release_master refused (not master)', nl_refused)

    step('the HMC: master_mode.release_master(msys)',
         lambda: master_mode.release_master(system('hmc')))
    step('NovaLink is master again', lambda: expect(True, False, 'nl'))

    step('the HMC: request_master(msys, MasterMode.TEMP)',
         lambda: master_mode.request_master(
             system('hmc'), mode=master_mode.MasterMode.TEMP))
    step('the HMC is master (temp)', lambda: expect(False, True, 'hmc'))
    step('the HMC: release_master (temp: the previous master back)',
         lambda: master_mode.release_master(system('hmc')))
    step('NovaLink is master after the temp release',
         lambda: expect(True, False, 'nl'))

    step('NovaLink: release_master(msys)',
         lambda: master_mode.release_master(system('nl')))
    step('no master: nobody sees itself master',
         lambda: expect(False, False, None))
    step('NovaLink: request_master(msys)',
         lambda: master_mode.request_master(system('nl')))
    step('NovaLink is master', lambda: expect(True, False, 'nl'))

    def console():
        mcs = pvm_mc.ManagementConsole.get(st['nl'])
        check(len(mcs) == 1, '%d management consoles' % len(mcs))
        mc = mcs[0]
        s = system('nl')
        check(mc.name == 'novalink', 'console name %r' % mc.name)
        check(mc.mtms.mtms_str == s.mtms.mtms_str,
              'console MTMS %s, system %s' % (mc.mtms.mtms_str,
                                              s.mtms.mtms_str))
        nic = mc.network_interfaces.console_interface
        check(nic.name == 'eth0' and 'fe80::' in nic.address,
              'first interface %r %r' % (nic.name, nic.address))
        check(mc.ssh_authorized_keys == (), 'authorized keys %r'
              % (mc.ssh_authorized_keys,))
        st['sysname'] = s.system_name
    step('the ManagementConsole wrapper reads name and MTMS', console)

    def cli_runner():
        # As pypowervm's tasks.hdisk._fc._remove_hdisk_classic does it:
        # the template and the job without the console's UUID.
        resp = st['nl'].read('ManagementConsole', None,
                             suffix_type=pc.SUFFIX_TYPE_DO,
                             suffix_parm='CLIRunner')
        job = pvm_job.Job.wrap(resp)
        parms = [job.create_job_parameter('cmd', 'lscomgmt -m %s'
                                          % st['sysname']),
                 job.create_job_parameter(
                     'acknowledgeThisAPIMayGoAwayInTheFuture', 'true')]
        job.run_job(None, job_parms=parms)
        check(job.job_status == pvm_job.JobStatus.COMPLETED_OK,
              'status %s' % job.job_status)
        res = job.get_job_results_as_dict()
        check(res.get('returnCode') == '0', 'results %r' % res)
        check('curr_master_name=novalink' in res.get('stdOut', ''),
              'stdOut %r' % res.get('stdOut'))

        resp = st['nl'].read('ManagementConsole', None,
                             suffix_type=pc.SUFFIX_TYPE_DO,
                             suffix_parm='CLIRunner')
        job = pvm_job.Job.wrap(resp)
        parms = [job.create_job_parameter(
            'cmd', 'viosvrcmd -m %s -p vios1 -c "rmdev -dev hdisk99"'
            % st['sysname']),
            job.create_job_parameter(
                'acknowledgeThisAPIMayGoAwayInTheFuture', 'true')]
        try:
            job.run_job(None, job_parms=parms)
        except pexc.JobRequestFailed:
            return
        raise harness.CheckFailed('rmdev of a disk that does not exist worked')
    step('the CLIRunner job runs as _remove_hdisk_classic sends it', cli_runner)

    return h.finish()


if __name__ == '__main__':
    sys.exit(main())
