{
  'targets': [
    {
      'target_name': 'pmipd_tunnel',
      'sources': ['src/tunnel.c'],
      'cflags': ['-std=gnu11', '-O2', '-Wall', '-Wextra'],
    }
  ]
}
