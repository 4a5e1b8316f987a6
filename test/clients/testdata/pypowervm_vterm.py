#!/usr/bin/python3
"""pypowervm's tasks.vterm against pvmd and its console commands.

What nova-powervm does with consoles: open_localhost_vnc_vterm (mkvterm
--id N --vnc --local, the port on its first line; a second open answers
exit 3 with the same port), the IBM i code page (pgrep mkvtermutil
--list-full, a console reopened with another code page), close_vterm on a
local session (rmvterm) and on a password session (the CloseVterm job),
and open_remotable_vnc_vterm with a VNC path (nova's get_vnc_console): a
client says CONNECT <uuid>, is answered 200 and speaks RFB through the
repeater to mkvtermutil.

Run by test/clients (scenario_test.go) against a fresh pvmd; see
harness.py. The commands pypowervm runs (mkvterm, rmvterm, pgrep) are the
real ones, found on PATH.
"""

import os
import socket
import struct
import subprocess
import sys

import harness


def rfb_session(sock):
    """Speaks RFB 3.8 with no authentication up to a first framebuffer
    update of the whole screen; returns (width, height, name, pixels)."""
    def recv(n):
        buf = b''
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise harness.CheckFailed(
                    'the VNC server closed after %d of %d bytes' % (len(buf), n))
            buf += chunk
        return buf
    version = recv(12)
    harness.check(version == b'RFB 003.008\n', 'version %r' % version)
    sock.sendall(b'RFB 003.008\n')
    count = recv(1)[0]
    types = recv(count)
    harness.check(1 in types, 'security types %r offer no None' % types)
    sock.sendall(b'\x01')
    result = struct.unpack('>I', recv(4))[0]
    harness.check(result == 0, 'security result %d' % result)
    sock.sendall(b'\x01')  # shared
    w, h = struct.unpack('>HH', recv(4))
    pf = recv(16)
    harness.check(pf[0] == 32 and pf[3] == 1, 'pixel format %r' % pf)
    name = recv(struct.unpack('>I', recv(4))[0]).decode()
    sock.sendall(struct.pack('>BBHHHH', 3, 0, 0, 0, w, h))
    msg = recv(4)
    harness.check(msg[0] == 0, 'message type %d, want an update' % msg[0])
    pixels = 0
    for _ in range(struct.unpack('>H', msg[2:])[0]):
        x, y, rw, rh, enc = struct.unpack('>HHHHi', recv(12))
        harness.check(enc == 0, 'encoding %d, want raw' % enc)
        recv(rw * rh * 4)
        pixels += rw * rh
    return w, h, name, pixels


def main():
    h = harness.Scenario('pypowervm virtual terminals')
    step, check = h.step, harness.check
    h.session_config()
    st = h.state

    # pypowervm's subprocesses (mkvterm, rmvterm) reach this pvmd through
    # the environment scenario_test.go sets (PVM_URL ...).
    check(os.environ.get('PVM_URL') == 'http://localhost:%d'
          % harness.HTTP_PORT, 'PVM_URL is %r' % os.environ.get('PVM_URL'))

    import pypowervm.adapter as adp
    from pypowervm.tasks import power
    from pypowervm.tasks import vterm
    from pypowervm.utils import lpar_builder as lb
    from pypowervm.wrappers import base_partition as bp
    from pypowervm.wrappers import logical_partition as pvm_lpar

    def utils_for(lpar_id):
        # As pypowervm looks for them.
        out = subprocess.run(['pgrep', 'mkvtermutil', '--list-full'],
                             stdout=subprocess.PIPE, universal_newlines=True)
        return [l for l in out.stdout.splitlines()
                if ('--id %d ' % lpar_id) in (l + ' ')]

    def local():
        sess = adp.Session()
        check(sess.use_file_auth, 'not a local (file) session')
        st['local'] = adp.Adapter(sess)
        check(st['local'].traits.local_api, 'traits.local_api is false')
        lp = [l for l in pvm_lpar.LPAR.get(st['local']) if l.name == 'lpar10']
        check(lp, 'no lpar10')
        st['lpar'] = lp[0]
    step('a local session sees local_api', local)

    def power_on():
        power.power_on(st['lpar'], None)
    step('lpar10 powers on', power_on)

    def open_vnc():
        port = vterm.open_localhost_vnc_vterm(st['local'], st['lpar'].uuid)
        check(isinstance(port, int) and port > 0, 'port %r' % port)
        st['port'] = port
        with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
            w, hgt, name, pixels = rfb_session(s)
        check(name == 'lpar10 (ID 10)', 'desktop name %r' % name)
        check(pixels == w * hgt, 'the first update covers %d of %d pixels'
              % (pixels, w * hgt))
    step('open_localhost_vnc_vterm starts a VNC console on localhost',
         open_vnc, waits='vterm')

    def pgrep():
        lines = utils_for(st['lpar'].id)
        check(len(lines) == 1, 'pgrep mkvtermutil --list-full: %r' % lines)
    step('pgrep mkvtermutil --list-full finds it by --id', pgrep,
         needs=['open_localhost_vnc_vterm starts a VNC console on localhost'])

    def reopen():
        port = vterm.open_localhost_vnc_vterm(st['local'], st['lpar'].uuid)
        check(port == st['port'], 'port %r, want %r' % (port, st['port']))
        check(len(utils_for(st['lpar'].id)) == 1, 'a second mkvtermutil')
    step('opening it again answers the same port (mkvterm exit 3)', reopen,
         needs=['open_localhost_vnc_vterm starts a VNC console on localhost'])

    def close_local():
        vterm.close_vterm(st['local'], st['lpar'].uuid)
        harness.wait_for('mkvtermutil gone after close_vterm',
                         lambda: not utils_for(st['lpar'].id), timeout=10)
    step('close_vterm on a local session runs rmvterm', close_local,
         needs=['open_localhost_vnc_vterm starts a VNC console on localhost'])

    def close_remote():
        vterm.open_localhost_vnc_vterm(st['local'], st['lpar'].uuid)
        check(utils_for(st['lpar'].id), 'no console to close')
        remote = h.adapter()
        check(not remote.traits.local_api, 'the password session is local')
        vterm.close_vterm(remote, st['lpar'].uuid)
        harness.wait_for('mkvtermutil gone after the CloseVterm job',
                         lambda: not utils_for(st['lpar'].id), timeout=10)
        # With nothing open the job succeeds too (nova closes the
        # console of every partition it deletes).
        vterm.close_vterm(remote, st['lpar'].uuid)
    step('close_vterm on a password session runs the CloseVterm job',
         close_remote,
         needs=['open_localhost_vnc_vterm starts a VNC console on localhost'])

    def remotable():
        # nova's get_vnc_console: the repeater listens on the host's
        # address (here a loopback one) on one port for every console and
        # picks the partition by the path of a CONNECT.
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            vterm._REMOTE_PORT = s.getsockname()[1]
        port = vterm.open_remotable_vnc_vterm(
            st['local'], st['lpar'].uuid, '127.0.0.1',
            vnc_path=st['lpar'].uuid)
        check(port == vterm._REMOTE_PORT, 'port %r' % port)
        sock = harness.wait_for(
            'the repeater listening',
            lambda: _connect(port), timeout=10)
        with sock:
            sock.sendall(('CONNECT %s HTTP/1.1\r\n\r\n'
                          % st['lpar'].uuid).encode())
            answer = sock.recv(len('HTTP/1.1 200 OK\r\n\r\n'))
            check(answer == b'HTTP/1.1 200 OK\r\n\r\n', 'answer %r' % answer)
            w, hgt, name, pixels = rfb_session(sock)
            check(name == 'lpar10 (ID 10)', 'desktop name %r' % name)
        # The client left: the repeater starts its timer to close the
        # console after vterm_timeout; stop it and the threads (they are
        # not daemons).
        reps = list(vterm._VNC_LOCAL_PORT_TO_REPEATER.values())
        check(reps, 'no repeater')
        for rep in reps:
            killer = harness.wait_for('the repeater seeing the client go',
                                      lambda: rep.vnc_killer, timeout=10)
            killer.abort()
            rep.stop()
        for listener in list(vterm._VNC_REMOTE_PORT_TO_LISTENER.values()):
            listener.stop()
        vterm.close_vterm(st['local'], st['lpar'].uuid)
        harness.wait_for('mkvtermutil gone', lambda: not utils_for(
            st['lpar'].id), timeout=10)
    step('open_remotable_vnc_vterm serves a VNC path through the repeater',
         remotable,
         needs=['open_localhost_vnc_vterm starts a VNC console on localhost'])

    def ibmi():
        a = st['local']
        stdz = lb.DefaultStandardize(h.state.get('sys') or _system(a))
        w = lb.LPARBuilder(a, {'name': 'ibmi1', 'env': bp.LPARType.OS400,
                               'memory': 1024, 'vcpu': 1,
                               'console': 'HMC'}, stdz).build()
        lp = w.create(parent_type=_system(a).__class__,
                      parent_uuid=_system(a).uuid)
        st['ibmi'] = lp
        vterm.open_localhost_vnc_vterm(a, lp.uuid, codepage='037')
        lines = utils_for(lp.id)
        check(len(lines) == 1 and '--codepage 037' in lines[0],
              'pgrep: %r' % lines)
        # Another code page: pypowervm closes the console and reopens it.
        vterm.open_localhost_vnc_vterm(a, lp.uuid, codepage='500')
        lines = harness.wait_for('mkvtermutil with code page 500', lambda: [
            l for l in utils_for(lp.id) if '--codepage 500' in l], timeout=10)
        check(len(utils_for(lp.id)) == 1, 'pgrep: %r' % utils_for(lp.id))
        vterm.close_vterm(a, lp.uuid)
        harness.wait_for('mkvtermutil gone', lambda: not utils_for(lp.id),
                         timeout=10)
        lp.delete()
    step('an IBM i console is reopened with another code page', ibmi,
         needs=['open_localhost_vnc_vterm starts a VNC console on localhost'])

    def delete_open():
        vterm.open_localhost_vnc_vterm(st['local'], st['lpar'].uuid)
        power.power_off(st['lpar'], None, force_immediate=True)
        # What nova's vm.delete_lpar does: close, then delete.
        vterm.close_vterm(st['local'], st['lpar'].uuid)
        st['local'].delete(pvm_lpar.LPAR.schema_type, root_id=st['lpar'].uuid)
        harness.wait_for('mkvtermutil gone', lambda: not utils_for(10),
                         timeout=10)
    step('a partition is deleted as nova deletes it (close_vterm, delete)',
         delete_open,
         needs=['open_localhost_vnc_vterm starts a VNC console on localhost'])

    return h.finish()


def _connect(port):
    try:
        return socket.create_connection(('127.0.0.1', port), timeout=10)
    except OSError:
        return None


def _system(adapter):
    from pypowervm.wrappers import managed_system as pvm_ms
    return pvm_ms.System.get(adapter)[0]


if __name__ == '__main__':
    sys.exit(main())
