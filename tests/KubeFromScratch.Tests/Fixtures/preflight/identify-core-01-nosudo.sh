export LC_ALL=C
x() { n=$1; shift; printf "\n@@kfs %s\n" "$n"; "$@" 2>&1; rc=$?; printf "\n@@kfs-rc %s\n" "$rc"; }
x id-2379-http curl -sS -i -m 2 http://172.17.8.101:2379/version
x id-2379-https curl -sS -i -k -m 2 https://172.17.8.101:2379/version
x id-2380-http curl -sS -i -m 2 http://172.17.8.101:2380/version
x id-2380-https curl -sS -i -k -m 2 https://172.17.8.101:2380/version
x id-8080-http curl -sS -i -m 2 http://172.17.8.101:8080/version
x id-8080-https curl -sS -i -k -m 2 https://172.17.8.101:8080/version
