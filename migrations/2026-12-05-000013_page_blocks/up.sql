-- The site's own address, the footer as one typed document (copyright, text lines, contact,
-- reporting line, ICP, notice) and the page blocks (side lists per screen) of the settings.
ALTER TABLE site_settings
    ADD COLUMN url    TEXT,
    ADD COLUMN footer JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(footer) = 'object'),
    ADD COLUMN blocks JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(blocks) = 'object');

UPDATE site_settings
   SET footer = jsonb_strip_nulls(jsonb_build_object(
           'copyright', copyright, 'phone', phone, 'email', email,
           'address', address, 'icp', icp));

ALTER TABLE site_settings
    DROP COLUMN copyright,
    DROP COLUMN phone,
    DROP COLUMN email,
    DROP COLUMN address,
    DROP COLUMN icp;
