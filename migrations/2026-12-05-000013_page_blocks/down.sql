ALTER TABLE site_settings
    ADD COLUMN copyright TEXT,
    ADD COLUMN phone     TEXT,
    ADD COLUMN email     TEXT,
    ADD COLUMN address   TEXT,
    ADD COLUMN icp       TEXT;

UPDATE site_settings
   SET copyright = footer ->> 'copyright', phone = footer ->> 'phone',
       email = footer ->> 'email', address = footer ->> 'address', icp = footer ->> 'icp';

ALTER TABLE site_settings DROP COLUMN url, DROP COLUMN footer, DROP COLUMN blocks;
